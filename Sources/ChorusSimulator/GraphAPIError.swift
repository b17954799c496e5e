import ChorusCore
import Foundation
import Hummingbird

/// Meta's error envelope: `{"error":{"message":"(#code) title","type":"OAuthException",…}}`.
struct GraphAPIError: Error, HTTPResponseError {
    let httpStatus: Int
    let code: Int
    let title: String
    let details: String

    var status: HTTPResponse.Status { .init(code: httpStatus) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = .object(["error": .object([
            "message": .string("(#\(code)) \(title)"), "type": .string("OAuthException"), "code": .int(Int64(code)),
            "error_data": .object(["messaging_product": .string("whatsapp"), "details": .string(details)]),
            "fbtrace_id": .string("SIM\(UInt32.random(in: 0...UInt32.max))"),
        ])])
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(body))))
    }

    static let badToken = GraphAPIError(httpStatus: 401, code: 190, title: "Invalid OAuth access token - Cannot parse access token",
                                        details: "The access token is invalid.")
    static func missing(_ what: String) -> GraphAPIError {
        GraphAPIError(httpStatus: 400, code: 131008, title: "Required parameter is missing", details: "Parameter \(what) is required.")
    }
    static func invalid(_ details: String) -> GraphAPIError {
        GraphAPIError(httpStatus: 400, code: 100, title: "Invalid parameter", details: details)
    }
    static func unknownObject(_ id: String) -> GraphAPIError {
        GraphAPIError(httpStatus: 400, code: 100, title: "Unsupported post request",
                      details: "Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
    }
}
