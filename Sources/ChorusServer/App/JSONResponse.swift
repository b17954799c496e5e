import ChorusCore
import Foundation
import Hummingbird

/// JSON bodies in and out, in one style: camelCase keys as the OpenAPI document names them.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a request body, answering bad input with a 400 that says what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        try decode(type, data: try await bytes(request, limit: limit))
    }

    /// The whole body, for handlers that read it more than one way.
    static func bytes(_ request: Request, limit: Int = 1 << 20) async throws -> Data {
        do {
            return Data(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw ChorusError(status: 413, code: "body_too_large", message: "The request body is larger than \(limit) bytes.")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ChorusError.badRequest("invalid_body", "The field \"\(key.stringValue)\" is missing.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ChorusError.badRequest("invalid_body", "The field \"\(path)\" has the wrong type.")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ChorusError.badRequest("invalid_body", "The field \"\(path)\" has a value that is not allowed.")
        } catch {
            throw ChorusError.badRequest("invalid_json", "The request body is not valid JSON.")
        }
    }
}

/// `{"error": {"code": "…", "message": "…"}}`, the one error shape of the API.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }
    var error: Detail
}
