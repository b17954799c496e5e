import HTTPTypes
import Hummingbird

/// Headers on every response a browser may render: a strict Content-Security-Policy (scripts,
/// styles and connections from this origin only; no inline script, no framing), no MIME
/// sniffing, no referrer. Not on webhook answers: only Meta reads those ("OK", thousands a
/// second), and the four headers were ~330 bytes to encode, send and parse on each.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path.utf8.starts(with: "/webhooks/".utf8) { return response }
        response.headers[.contentSecurityPolicy] = SecurityHeaders.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[SecurityHeaders.referrerPolicy] = "no-referrer"
        response.headers[SecurityHeaders.openerPolicy] = "same-origin"
        return response
    }
}

/// The header values, made once rather than on every response (webhooks are answered thousands
/// of times a second); outside the generic middleware, which cannot hold stored statics.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
