import ChorusCore
import ChorusStore
import ChorusTestSupport
import Foundation
import Testing
@testable import ChorusServer

/// Walks every route of openapi.json for every role, device class and inside/outside a send
/// window, and checks the server answers exactly what `AccessPolicy` decides. A route
/// without a rule in `RouteRule.table` fails here.
@Suite("Authorization matrix", .serialized)
struct AuthorizationMatrixTests {
    @Test("every route × role × device class × time window gets what the one decision says")
    func matrix() async throws {
        try await TestServer.with(simulator: true) { server in try await Self.walk(server) }
    }

    struct Route: Sendable {
        let method: String
        let path: String
        var key: String { "\(method) \(path)" }
    }

    static func routes(_ server: TestServer) async throws -> [Route] {
        let document = try await server.request("GET", "/openapi.json")
        var routes: [Route] = []
        for (path, item) in document.body["paths"]?.object ?? [:] {
            for method in (item.object ?? [:]).keys { routes.append(Route(method: method.uppercased(), path: path)) }
        }
        // Signing out last, so the session lives through the walk.
        return routes.sorted { a, b in
            let lastA = a.key == "DELETE /api/v1/sessions/current", lastB = b.key == "DELETE /api/v1/sessions/current"
            return lastA != lastB ? lastB : a.key < b.key
        }
    }

    static func walk(_ server: TestServer) async throws {
        let routes = try await routes(server)
        for route in routes {
            #expect(RouteRule.table[route.key] != nil, "\(route.key) has no permission rule")
            // The rule table must agree with the product's own list of who may do what.
            if case .action(let action) = RouteRule.table[route.key] {
                #expect(Spec.permission[route.key] == .some(action.requirement.permission),
                        "\(route.key) needs \(String(describing: action.requirement.permission)); the spec says \(String(describing: Spec.permission[route.key]))")
            }
        }
        let (_, admin) = try await server.member(.admin)
        _ = try await server.customerWrites("Hello, is anyone there?", from: "4915550001")
        let conversation = try await server.conversationID(token: admin, waID: "4915550001")
        let (target, _) = try await server.member(.standard)
        let ids = Ids(conversation: conversation, member: target.id, channel: server.channel!.id)

        // Without a session, every closed route answers 401.
        for route in routes where RouteRule.table[route.key] != .open {
            let reply = try await server.request(route.method, ids.fill(route.path), json: body(for: route))
            #expect(reply.status == 401, "\(route.key) without a session → \(reply.status)")
        }

        let minute = Int(Date().timeIntervalSince1970 / 60) % 1440
        let windows = [("inside", TimeWindow(startMinute: (minute + 1380) % 1440, endMinute: (minute + 60) % 1440)),
                       ("outside", TimeWindow(startMinute: (minute + 120) % 1440, endMinute: (minute + 180) % 1440))]
        let templates = PermissionTemplateRepository(server.db)
        let audit = AuditEntry(actorMemberID: nil, deviceID: nil, ip: "", action: "test.setup")
        var templateIDs: [String: Int64] = [:]
        for (name, window) in windows {
            templateIDs[name] = try await templates.create(name: "Window \(name)", description: "",
                                                           adjustments: .init(sendWindow: window), audit: audit)
        }
        for role in Role.allCases {
            for deviceClass in DeviceClass.allCases {
                for (name, window) in windows {
                    try await check(server, routes: routes, ids: ids, role: role, deviceClass: deviceClass,
                                    window: (name, window, templateIDs[name]!))
                }
            }
        }
    }

    static func check(_ server: TestServer, routes: [Route], ids: Ids, role: Role, deviceClass: DeviceClass,
                      window: (name: String, value: TimeWindow, template: Int64)) async throws {
        let email = "\(role.rawValue)-\(deviceClass.rawValue)-\(window.name)@matrix.chorus"
        let member = try await MemberAccounts(db: server.db, bcryptCost: 4).create(email: email, password: TestServer.password,
                                                                                  name: email, role: role)
        _ = try await MemberRepository(server.db).changeRights(memberID: member.id, .init(templateID: .some(window.template)),
                                                               audit: AuditEntry(actorMemberID: nil, deviceID: nil, ip: "", action: "test.setup"))
        let token = try await server.signIn(email, deviceClass: deviceClass.rawValue)
        // Step up fully, so what is tested is role, device class and window.
        let secret = try await server.enrollTOTP(token, memberID: member.id)
        _ = try await server.request("PUT", "/api/v1/me/pin", token: token, json: ["pin": .string(TestServer.pin)])
        let stepped = try await server.request("POST", "/api/v1/me/step-up", token: token,
                                               json: ["pin": .string(TestServer.pin), "code": .string(TOTPCode.current(secret: secret))])
        #expect(stepped.status == 200)
        let me = try await server.request("GET", "/api/v1/me", token: token)
        let actor = Actor(memberID: member.id, deviceID: me.body["deviceId"]!.int!, role: role,
                          permissions: PermissionAdjustments.effective(role: role, template: .init(sendWindow: window.value), overrides: [:]),
                          deviceClass: deviceClass, sendWindow: window.value,
                          localMinute: Int(Date().timeIntervalSince1970 / 60) % 1440, stepUp: .pinAndCode)
        let who = "\(role.rawValue)/\(deviceClass.rawValue)/\(window.name)"
        for route in routes {
            let reply = try await server.request(route.method, ids.fill(route.path), token: token, json: body(for: route))
            let status = reply.status
            #expect(status < 500, "\(who) \(route.key) → \(status) \(reply.text.prefix(200))")
            switch RouteRule.table[route.key] {
            case .none, .open:
                continue
            case .action(let action):
                if AccessPolicy.decide(actor, action) == .allow {
                    #expect(status != 401 && status != 403, "\(who) \(route.key) should be allowed → \(status) \(reply.text.prefix(200))")
                } else {
                    #expect(status == 403, "\(who) \(route.key) should be denied → \(status)")
                }
            case .conversation(let kind):
                let decisions = kind.actions(assignee: nil).map { AccessPolicy.decide(actor, $0) }
                if route.path.hasPrefix("/api/v1/media") {
                    #expect(status == 404, "\(who) \(route.key) → \(status)") // no such file, visible or not
                } else if decisions.contains(.hidden) {
                    #expect(status == 404, "\(who) \(route.key) should be hidden → \(status)")
                } else if decisions.contains(where: { $0 != .allow }) {
                    #expect(status == 403, "\(who) \(route.key) should be denied → \(status)")
                } else {
                    #expect(![401, 403, 404].contains(status), "\(who) \(route.key) should be allowed → \(status) \(reply.text.prefix(200))")
                }
            }
        }
    }

    struct Ids: Sendable {
        let conversation: Int64
        let member: Int64
        let channel: Int64

        func fill(_ path: String) -> String {
            var path = path
            if path.hasPrefix("/api/v1/conversations/") { path = path.replacingOccurrences(of: "{id}", with: String(conversation)) }
            if path.hasPrefix("/api/v1/members/") { path = path.replacingOccurrences(of: "{id}", with: String(member)) }
            if path.hasPrefix("/api/v1/channels/") { path = path.replacingOccurrences(of: "{id}", with: String(channel)) }
            if path == "/api/v1/devices/logout-all" { path += "?keepCurrent=true" }
            return path.replacingOccurrences(of: "{id}", with: "999999").replacingOccurrences(of: "{name}", with: "none")
        }
    }

    /// Bodies that an allowed caller gets refused for *after* the decision (400/422/404), so the
    /// walk changes as little as possible.
    static func body(for route: Route) -> JSONValue? {
        switch route.key {
        case "PUT /api/v1/settings/security": return ["deviceCap": .int(0)]
        case "PUT /api/v1/settings/payment": return ["currency": "x"]
        case "POST /api/v1/device-links/approve": return ["code": "ZZZZ-ZZZZ"]
        case "PUT /api/v1/channels/{id}/profile": return ["about": .int(5)]
        default: return route.method == "GET" || route.method == "DELETE" ? nil : [:]
        }
    }

    /// Who may do what, written from PRODUCT.md §2 independently of `RouteRule.table`: the
    /// permission each workspace-level route needs (nil: any signed-in member).
    enum Spec {
        static let permission: [String: Permission?] = [
            "DELETE /api/v1/sessions/current": nil, "GET /api/v1/me": nil, "GET /api/v1/devices": nil,
            "DELETE /api/v1/devices/{id}": nil, "POST /api/v1/devices/logout-all": nil, "POST /api/v1/device-links/approve": nil,
            "GET /api/v1/me/two-factor": nil, "POST /api/v1/me/two-factor/totp": nil, "POST /api/v1/me/two-factor/totp/confirm": nil,
            "POST /api/v1/me/two-factor/totp/disable": nil, "POST /api/v1/me/two-factor/recovery-codes": nil, "PUT /api/v1/me/pin": nil,
            "POST /api/v1/me/step-up": nil, "GET /api/v1/events": nil, "GET /api/v1/members": nil, "GET /api/v1/teams": nil, "GET /api/v1/conversations": nil,
            "GET /api/v1/channels": nil, "GET /api/v1/channels/{id}/profile": nil, "GET /api/v1/templates": nil,
            "POST /api/v1/members": .manageMembers, "GET /api/v1/members/{id}": .manageMembers,
            "PATCH /api/v1/members/{id}": .manageMembers, "POST /api/v1/members/{id}/deactivate": .manageMembers,
            "POST /api/v1/members/{id}/logout-all": .manageMembers, "POST /api/v1/members/import": .manageMembers,
            "GET /api/v1/invites": .manageMembers, "GET /api/v1/team/devices": .manageMembers,
            "GET /api/v1/team/advisories": .manageMembers, "POST /api/v1/team/presets/{name}/apply": .manageMembers,
            "GET /api/v1/permission-templates": .manageMembers, "POST /api/v1/permission-templates": .manageMembers,
            "PUT /api/v1/permission-templates/{id}": .manageMembers, "DELETE /api/v1/permission-templates/{id}": .manageMembers,
            "GET /api/v1/permission-conflicts": .manageMembers, "POST /api/v1/permission-conflicts/check": .manageMembers,
            "GET /api/v1/audit-events": .manageMembers, "GET /api/v1/audit-events/verify": .manageMembers,
            "GET /api/v1/settings/security": .manageMembers, "PUT /api/v1/settings/security": .manageMembers,
            "GET /api/v1/settings/payment": .payment, "PUT /api/v1/settings/payment": .payment,
            "PUT /api/v1/channels/{id}/profile": .editBusinessProfile, "POST /api/v1/templates/sync": .manageChannels,
            "GET /api/v1/diagnostics/webhooks": .manageChannels,
            "GET /api/v1/inbox/counts": nil, "GET /api/v1/exports/conversations": .exportChatHistory, "GET /api/v1/search": nil, "GET /api/v1/sync": nil, "GET /api/v1/contacts/{id}": nil,
            "GET /api/v1/labels": nil, "POST /api/v1/labels": .manageLabels, "DELETE /api/v1/labels/{id}": .manageLabels,
            "GET /api/v1/quick-replies": nil, "POST /api/v1/quick-replies": .setAutoReplies,
            "PUT /api/v1/quick-replies/{id}": .setAutoReplies, "DELETE /api/v1/quick-replies/{id}": .setAutoReplies,
        ]
    }
}
