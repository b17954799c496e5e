import ChorusCore
import ChorusStore
import Foundation
import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape with the right status. Anything that is
/// not a `ChorusError` is a bug: logged, and answered 500 `internal_error` without details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = ErrorAnswer.chorusError(for: error, on: "\(request.method) \(request.uri.path)", logger: context.logger)
            var response = ErrorAnswer.response(answer)
            if let seconds = ErrorAnswer.retryAfter(answer) { response.headers[.retryAfter] = seconds }
            return response
        }
    }
}

/// The API's answer to an error, for the router (`ErrorMiddleware`) and for `WebhookFastPath`,
/// which answers outside it.
enum ErrorAnswer {
    /// The API error `error` is answered with, logging what an operator must see.
    static func chorusError(for error: any Error, on route: @autoclosure () -> String, logger: Logger) -> ChorusError {
        switch error {
        case let error as ChorusError:
            return error
        case let error as HTTPError:
            let code = error.status == .notFound ? "not_found"
                : error.status == .contentTooLarge ? "body_too_large"
                : error.status == .methodNotAllowed ? "method_not_allowed" : "http_\(error.status.code)"
            return ChorusError(status: error.status.code, code: code, message: error.body ?? error.status.reasonPhrase)
        case StoreError.unavailable(let detail):
            logger.warning("database unavailable on \(route()): \(detail.prefix(200))")
            return ChorusError(status: 503, code: "database_unavailable", message: "The database is not reachable right now. Try again shortly.")
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return ChorusError(status: 413, code: "body_too_large", message: "The request body is too large.")
        default:
            logger.error("unhandled error on \(route()): \(String(reflecting: error))")
            return ChorusError(status: 500, code: "internal_error", message: "Something went wrong on the server. It has been logged.")
        }
    }

    /// A database that is down is worth asking again in a moment.
    static func retryAfter(_ error: ChorusError) -> String? {
        error.code == "database_unavailable" ? "2" : nil
    }

    static func response(_ error: ChorusError) -> Response {
        Response(status: .init(code: error.status), headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: body(error)))
    }

    /// `{"error": {"code": …, "message": …}}`.
    static func body(_ error: ChorusError) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONBody.encoder.encode(ErrorBody(error: .init(code: error.code, message: error.message)))) ?? Data())
    }
}
