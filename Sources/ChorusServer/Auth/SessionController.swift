import ChorusCore
import ChorusStore
import Foundation
import HummingbirdBcrypt
import Hummingbird

/// Sign-in: `POST /api/v1/sessions` creates a device session and returns its bearer token.
/// Failures are throttled by account and by IP and answered the same way whatever was wrong.
struct SessionController {
    let members: MemberRepository
    let devices: DeviceRepository
    let twoFactor: TwoFactorRepository
    let throttle: ThrottleRepository
    let audit: AuditRepository
    let security: SecuritySettings
    let hub: DeviceHub
    let secureCookies: Bool

    struct SignIn: Decodable {
        var email: String
        var password: String
        /// The 6-digit code from the authenticator app, or a recovery code.
        var code: String?
        var deviceClass: DeviceClass?
        var os: String?
        var osVersion: String?
        var browser: String?
    }

    struct SignedIn: Encodable {
        var token: String
        var device: DeviceRecord
        var member: MemberRecord
    }

    static let refused = ChorusError(status: 401, code: "invalid_credentials", message: "The email or password is not correct.")

    func signIn(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(SignIn.self, from: request)
        let settings = try await security.current()
        let keys = ["login:email:" + body.email.lowercased().trimmingCharacters(in: .whitespaces), "login:ip:" + context.remoteAddress]
        if let until = try await throttle.lockedUntil(keys) {
            throw ChorusError(status: 429, code: "login_locked",
                              message: "Too many failed sign-ins. Try again in \(max(1, (until - Clock.nowMillis() + 59_999) / 60_000)) minute(s).")
        }
        let rule = ThrottleRepository.Rule(maxFailures: settings.loginMaxFailures,
                                           windowMillis: Int64(settings.loginWindowMinutes) * 60_000,
                                           lockoutMillis: Int64(settings.loginLockoutMinutes) * 60_000)
        func fail(_ error: ChorusError = Self.refused, memberID: Int64? = nil) async throws -> Never {
            try await throttle.recordFailure(keys, rule: rule)
            try await audit.record(AuditEntry(actorMemberID: memberID, deviceID: nil, ip: context.remoteAddress,
                                              action: "session.sign_in_failed", details: ["email": .string(body.email)]))
            throw error
        }
        guard let found = try await members.credentials(email: body.email) else {
            _ = Bcrypt.verify(body.password, hash: Self.decoyHash) // same cost as a real check
            try await fail()
        }
        guard Bcrypt.verify(body.password, hash: found.passwordHash), found.member.active else {
            try await fail(memberID: found.member.id)
        }
        if found.member.twoFactorEnabled {
            guard let code = body.code, !code.isEmpty else {
                throw ChorusError(status: 401, code: "two_factor_required",
                                  message: "Enter the 6-digit code from your authenticator app, or a recovery code.")
            }
            let state = try await twoFactor.state(memberID: found.member.id)
            var ok = TwoFactorCodes.verify(code, secret: state.totpSecret ?? "")
            if !ok { ok = try await twoFactor.useRecoveryCode(memberID: found.member.id, hash: TwoFactorCodes.hashRecoveryCode(code)) }
            guard ok else {
                try await fail(ChorusError(status: 401, code: "invalid_two_factor_code", message: "That code is not correct."),
                               memberID: found.member.id)
            }
            try await twoFactor.markVerified(memberID: found.member.id)
        }
        try await throttle.clear(keys)
        let userAgent = request.headers[.userAgent] ?? ""
        let device = DeviceRepository.NewDevice(
            memberID: found.member.id, tokenHash: "", deviceClass: body.deviceClass ?? DeviceClass.guess(userAgent: userAgent),
            os: body.os ?? "", osVersion: body.osVersion ?? "", browser: body.browser ?? String(userAgent.prefix(120)),
            ip: context.remoteAddress)
        return try await issue(device, member: found.member, settings: settings, action: "session.signed_in")
    }

    /// Creates the device session (evicting the earliest beyond the cap), records it, closes
    /// evicted sockets, and answers with the token and the session cookie.
    func issue(_ device: DeviceRepository.NewDevice, member: MemberRecord, settings: WorkspaceSecurity,
               action: String) async throws -> Response {
        let token = SessionTokens.make()
        var device = device
        device.tokenHash = SessionTokens.hash(token)
        let created = try await devices.create(device, cap: settings.deviceCap)
        var details: [String: JSONValue] = ["deviceClass": .string(device.deviceClass.rawValue), "os": .string(device.os),
                                            "osVersion": .string(device.osVersion)]
        if !created.evicted.isEmpty { details["evicted"] = .array(created.evicted.map { .int($0) }) }
        if settings.isOutdated(os: device.os, version: device.osVersion) { details["outdatedOS"] = .bool(true) }
        try await audit.record(AuditEntry(actorMemberID: member.id, deviceID: created.device.id, ip: device.ip, action: action,
                                          targetType: "device", targetID: String(created.device.id), details: .object(details)))
        hub.close(devices: created.evicted, reason: "device_evicted")
        var response = try JSONBody.response(SignedIn(token: token, device: created.device, member: member), status: .created)
        response.setCookie(Cookie(name: "chorus_session", value: token, path: "/", secure: secureCookies, httpOnly: true,
                                  sameSite: .strict))
        return response
    }

    func signOut(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try await devices.revoke(id: actor.deviceID, reason: "signed_out",
                                 audit: try context.audit("session.signed_out", targetType: "device", targetID: String(actor.deviceID)))
        hub.close(devices: [actor.deviceID], reason: "signed_out")
        var response = Response(status: .noContent)
        response.setCookie(Cookie(name: "chorus_session", value: "", maxAge: 0, path: "/", secure: secureCookies,
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    func me(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let member = try await members.find(id: actor.memberID) else { throw ChorusError.unauthenticated }
        struct Me: Encodable {
            var member: MemberRecord
            var permissions: [String]
            var deviceId: Int64
            var deviceClass: DeviceClass
            var sendWindow: TimeWindow?
            var stepUp: StepUpLevel
            var mustEnrollTwoFactor: Bool
        }
        return try JSONBody.response(Me(member: member, permissions: actor.permissions.map(\.rawValue).sorted(),
                                        deviceId: actor.deviceID, deviceClass: actor.deviceClass, sendWindow: actor.sendWindow,
                                        stepUp: actor.stepUp, mustEnrollTwoFactor: actor.mustEnrollTwoFactor))
    }

    /// A valid bcrypt hash of a random string, verified against when the email is unknown.
    static let decoyHash = Bcrypt.hash("decoy-\(SessionTokens.make())", cost: 12)
}
