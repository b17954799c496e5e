import ChorusCore
import ChorusStore
import HummingbirdBcrypt
import Hummingbird

/// Sign-in: `POST /api/v1/sessions` creates a device session and returns its bearer token.
struct SessionController {
    let members: MemberRepository
    let devices: DeviceRepository
    let deviceCap: Int

    struct SignIn: Decodable {
        var email: String
        var password: String
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

    func signIn(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(SignIn.self, from: request)
        // The same answer whichever part was wrong, so it reveals nothing about accounts.
        let refused = ChorusError(status: 401, code: "invalid_credentials", message: "The email or password is not correct.")
        guard let found = try await members.credentials(email: body.email) else {
            _ = Bcrypt.verify(body.password, hash: Self.decoyHash) // same cost as a real check
            throw refused
        }
        guard Bcrypt.verify(body.password, hash: found.passwordHash) else { throw refused }
        guard found.member.active else { throw refused }
        let token = SessionTokens.make()
        let userAgent = request.headers[.userAgent] ?? ""
        let created = try await devices.create(
            .init(memberID: found.member.id, tokenHash: SessionTokens.hash(token),
                  deviceClass: body.deviceClass ?? DeviceClass.guess(userAgent: userAgent),
                  os: body.os ?? "", osVersion: body.osVersion ?? "", browser: body.browser ?? String(userAgent.prefix(120)),
                  ip: context.remoteAddress),
            cap: deviceCap)
        var response = try JSONBody.response(SignedIn(token: token, device: created.device, member: found.member), status: .created)
        response.setCookie(Cookie(name: "chorus_session", value: token, path: "/", secure: false, httpOnly: true, sameSite: .strict))
        return response
    }

    func signOut(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try await devices.revoke(id: actor.deviceID, reason: "signed_out")
        return Response(status: .noContent)
    }

    func me(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let member = try await members.find(id: actor.memberID) else { throw ChorusError.unauthenticated }
        struct Me: Encodable {
            var member: MemberRecord
            var permissions: [String]
            var deviceId: Int64
        }
        return try JSONBody.response(Me(member: member, permissions: actor.permissions.map(\.rawValue).sorted(),
                                        deviceId: actor.deviceID))
    }

    func listDevices(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        return try JSONBody.response(["items": try await devices.list(memberID: actor.memberID)])
    }

    /// A valid bcrypt hash of a random string, verified against when the email is unknown.
    static let decoyHash = Bcrypt.hash("decoy-\(SessionTokens.make())", cost: 12)
}
