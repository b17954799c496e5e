import ChorusCore
import ChorusStore
import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape with the right status. Anything that is
/// not a `ChorusError` is a bug: logged, and answered 500 `internal_error` without details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ChorusError {
            return Self.response(error)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found"
                : error.status == .contentTooLarge ? "body_too_large"
                : error.status == .methodNotAllowed ? "method_not_allowed" : "http_\(error.status.code)"
            return Self.response(ChorusError(status: error.status.code, code: code,
                                             message: error.body ?? error.status.reasonPhrase))
        } catch StoreError.unavailable(let detail) {
            context.logger.warning("database unavailable on \(request.method) \(request.uri.path): \(detail.prefix(200))")
            var response = Self.response(ChorusError(status: 503, code: "database_unavailable",
                                                     message: "The database is not reachable right now. Try again shortly."))
            response.headers[.retryAfter] = "2"
            return response
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return Self.response(ChorusError(status: 413, code: "body_too_large", message: "The request body is too large."))
        } catch {
            context.logger.error("unhandled error on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            return Self.response(ChorusError(status: 500, code: "internal_error",
                                             message: "Something went wrong on the server. It has been logged."))
        }
    }

    static func response(_ error: ChorusError) -> Response {
        let body = ErrorBody(error: .init(code: error.code, message: error.message))
        return (try? JSONBody.response(body, status: .init(code: error.status)))
            ?? Response(status: .internalServerError)
    }
}
