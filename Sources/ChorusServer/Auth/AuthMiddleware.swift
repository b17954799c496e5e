import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// Resolves `Authorization: Bearer <token>` (or the `chorus_session` cookie) to a device and
/// its member, and puts the member's rights *as they are now* into the context: a revoked right
/// is enforced on the very next request.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ChorusRequestContext
    let devices: DeviceRepository
    let actors: ActorLoader

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (token, fromCookie) = Self.credential(from: request) else { throw ChorusError.unauthenticated }
        if fromCookie { try Self.checkCrossSite(request) }
        switch try await devices.lookup(tokenHash: SessionTokens.hash(token)) {
        case .unknown:
            throw ChorusError.unauthenticated
        case .revoked(let reason):
            throw ChorusError(status: 401, code: reason, message: Self.explanation(for: reason))
        case .active(let device, let member, let stepUp):
            var context = context
            context.actor = try await actors.actor(device: device, member: member, stepUp: stepUp)
            try await devices.touch(device, ip: context.remoteAddress)
            return try await next(request, context)
        }
    }

    static func credential(from request: Request) -> (token: String, fromCookie: Bool)? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return (String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces), false)
        }
        if let cookie = request.cookies["chorus_session"]?.value, !cookie.isEmpty { return (cookie, true) }
        return nil
    }

    /// Cookie sessions ride along with any request the browser makes, so: a request from
    /// another origin is refused (this also covers WebSocket hijacking), and changes need the
    /// `X-Chorus-CSRF` header, which a cross-site form or image cannot send.
    static func checkCrossSite(_ request: Request) throws {
        if let origin = request.headers[.origin], let host = request.head.authority,
           URLComponentsLite.hostAndPort(origin) != host {
            throw ChorusError(status: 403, code: "cross_origin", message: "Requests from other sites are not accepted.")
        }
        let safe = request.method == .get || request.method == .head || request.method == .options
        if !safe && request.headers[.init("X-Chorus-CSRF")!] == nil {
            throw ChorusError(status: 403, code: "csrf_required", message: "This request needs the X-Chorus-CSRF header.")
        }
    }

    static func explanation(for reason: String) -> String {
        switch reason {
        case "device_evicted": return "This device was signed out because the member signed in on more devices than allowed."
        case "member_deactivated": return "This member has been deactivated."
        case "signed_out": return "This device has signed out."
        case "device_idle": return "This device was signed out after a long time without use."
        case "logged_out_by_admin": return "An admin signed this device out."
        case "logged_out_everywhere": return "This member signed out on all devices."
        default: return "This session has ended. Sign in again."
        }
    }
}

/// "http://host:port" → "host:port", without Foundation's URL parsing on the hot path.
enum URLComponentsLite {
    static func hostAndPort(_ origin: String) -> String {
        guard let range = origin.range(of: "://") else { return origin }
        return String(origin[range.upperBound...].prefix { $0 != "/" })
    }
}
