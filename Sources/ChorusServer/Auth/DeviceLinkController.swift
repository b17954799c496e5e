import ChorusCore
import ChorusStore
import Hummingbird

/// QR device linking, as WhatsApp Web does it: the new browser asks for a link (QR + short
/// code, valid 90 s by default), a signed-in device of the member approves the code, and the
/// new browser claims its session with the secret only it holds.
struct DeviceLinkController {
    let links: DeviceLinkRepository
    let members: MemberRepository
    let throttle: ThrottleRepository
    let audit: AuditRepository
    let security: SecuritySettings
    let sessions: SessionController

    struct NewLink: Decodable {
        var deviceClass: DeviceClass?
        var os: String?
        var osVersion: String?
        var browser: String?
    }

    struct CreatedLink: Encodable {
        var id: Int64
        /// Typed on the approving device when the camera cannot scan.
        var code: String
        /// Kept by the new browser to claim its session; never shown.
        var secret: String
        var qrText: String
        var qrSvg: String?
        var expiresAt: Int64
    }

    /// Asking for link codes needs no session, so it is limited per address: 20 in 10 minutes.
    static let requestRule = ThrottleRepository.Rule(maxFailures: 20, windowMillis: 10 * 60_000, lockoutMillis: 10 * 60_000)

    func create(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(NewLink.self, from: request)
        let settings = try await security.current()
        let key = ["link-request:ip:\(context.remoteAddress)"]
        if try await throttle.lockedUntil(key) != nil {
            throw ChorusError(status: 429, code: "too_many_link_requests", message: "Too many link codes from this address. Try again in a few minutes.")
        }
        try await throttle.recordFailure(key, rule: Self.requestRule)
        let code = Self.newCode()
        let secret = SessionTokens.make()
        let userAgent = request.headers[.userAgent] ?? ""
        let created = try await links.create(.init(
            codeHash: SessionTokens.hash(Self.normalize(code)), secretHash: SessionTokens.hash(secret), ip: context.remoteAddress,
            deviceClass: body.deviceClass ?? DeviceClass.guess(userAgent: userAgent), os: body.os ?? "",
            osVersion: body.osVersion ?? "", browser: body.browser ?? String(userAgent.prefix(120))),
            validMillis: Int64(settings.linkCodeSeconds) * 1000)
        let qrText = "chorus-link:" + code
        return try JSONBody.response(CreatedLink(id: created.id, code: code, secret: secret, qrText: qrText,
                                                 qrSvg: QRCodeImage.svg(for: qrText), expiresAt: created.expiresAt), status: .created)
    }

    struct Approve: Decodable { var code: String }

    func approve(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(Approve.self, from: request)
        let settings = try await security.current()
        let keys = ["link:member:\(actor.memberID)", "link:ip:\(context.remoteAddress)"]
        if let until = try await throttle.lockedUntil(keys) {
            throw ChorusError(status: 429, code: "link_cooldown",
                              message: "Too many wrong link codes. Try again in \(max(1, (until - Clock.nowMillis() + 59_999) / 60_000)) minute(s).")
        }
        let code = Self.normalize(body.code.hasPrefix("chorus-link:") ? String(body.code.dropFirst("chorus-link:".count)) : body.code)
        let outcome = try await links.approve(codeHash: SessionTokens.hash(code), memberID: actor.memberID, deviceID: actor.deviceID)
        let entry = try context.audit("device_link.approved", targetType: "device_link")
        guard case .approved(let linkID) = outcome else {
            try await throttle.recordFailure(keys, rule: .init(maxFailures: settings.linkMaxFailures, windowMillis: 15 * 60_000,
                                                               lockoutMillis: Int64(settings.linkCooldownMinutes) * 60_000))
            var failed = entry
            failed.action = "device_link.rejected"
            try await audit.record(failed)
            switch outcome {
            case .expired: throw ChorusError(status: 410, code: "link_expired", message: "This link code has expired. Show a new one.")
            case .alreadyUsed: throw ChorusError(status: 410, code: "link_used", message: "This link code was already used.")
            default: throw ChorusError(status: 404, code: "link_invalid", message: "No link is waiting with this code.")
            }
        }
        var done = entry
        done.targetID = String(linkID)
        try await audit.record(done)
        try await throttle.clear(keys)
        return try JSONBody.response(["linkId": linkID])
    }

    struct Claim: Decodable { var secret: String }

    func claim(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw ChorusError.notFound("The link") }
        let body = try await JSONBody.decode(Claim.self, from: request)
        switch try await links.claim(id: id, secretHash: SessionTokens.hash(body.secret)) {
        case .unknown:
            throw ChorusError.notFound("The link")
        case .expired:
            throw ChorusError(status: 410, code: "link_expired", message: "This link code has expired. Show a new one.")
        case .alreadyUsed:
            throw ChorusError(status: 410, code: "link_used", message: "This link was already used.")
        case .pending(let expiresAt):
            struct Pending: Encodable { var status = "pending"; var expiresAt: Int64 }
            return try JSONBody.response(Pending(expiresAt: expiresAt), status: .accepted)
        case .approved(let memberID, let deviceClass, let os, let osVersion, let browser, let ip):
            guard let member = try await members.find(id: memberID), member.active else {
                throw ChorusError(status: 410, code: "link_used", message: "This link can no longer be used.")
            }
            return try await sessions.issue(.init(memberID: memberID, tokenHash: "", deviceClass: deviceClass, os: os,
                                                  osVersion: osVersion, browser: browser, ip: ip),
                                            member: member, settings: try await security.current(), action: "device_link.claimed")
        }
    }

    /// 8 characters from an alphabet without look-alikes, shown as "ABCD-EFGH".
    static func newCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let raw = String((0..<8).map { _ in alphabet.randomElement()! })
        return raw.prefix(4) + "-" + raw.suffix(4)
    }

    static func normalize(_ code: String) -> String {
        code.uppercased().filter { $0.isLetter || $0.isNumber }
    }
}
