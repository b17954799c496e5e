/// An error a person can act on: a stable machine-readable `code`, a plain-language `message`
/// and the HTTP status the API answers with. Every failure that reaches a client is one of these,
/// so bad input is never a 500.
public struct ChorusError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func badRequest(_ code: String, _ message: String) -> ChorusError {
        ChorusError(status: 400, code: code, message: message)
    }
    public static func invalid(_ code: String, _ message: String) -> ChorusError {
        ChorusError(status: 422, code: code, message: message)
    }
    public static func notFound(_ what: String) -> ChorusError {
        ChorusError(status: 404, code: "not_found", message: "\(what) was not found.")
    }
    public static func conflict(_ code: String, _ message: String) -> ChorusError {
        ChorusError(status: 409, code: code, message: message)
    }
    public static let unauthenticated = ChorusError(
        status: 401, code: "unauthenticated", message: "Sign in to continue.")
    public static func forbidden(_ message: String) -> ChorusError {
        ChorusError(status: 403, code: "forbidden", message: message)
    }
}
