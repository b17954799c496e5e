import AsyncHTTPClient
import ChorusCore
import Foundation
import NIOCore
import NIOHTTP1

/// Where and as whom Chorus calls the Graph API for one business number. Pointing `baseURL` at
/// Meta (`https://graph.facebook.com`) or at the simulator is the only difference.
public struct GraphEndpoint: Sendable, Equatable {
    public var baseURL: String
    public var apiVersion: String
    public var phoneNumberID: String
    public var wabaID: String
    public var accessToken: String

    public init(baseURL: String, apiVersion: String, phoneNumberID: String, wabaID: String, accessToken: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiVersion = apiVersion
        self.phoneNumberID = phoneNumberID
        self.wabaID = wabaID
        self.accessToken = accessToken
    }
}

/// A failed Graph call: Meta's error code when it answered, or a network failure.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public var httpStatus: Int?
    public var code: Int?
    public var message: String
    public var details: String?
    /// True when the request may have reached Meta but no answer came back: resending could
    /// deliver the message twice.
    public var outcomeUnknown: Bool = false

    public init(httpStatus: Int?, code: Int?, message: String, details: String?) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.details = details
    }

    /// Worth retrying later: throttling, Meta's 5xx, or no answer at all.
    public var isRetryable: Bool {
        if let code { return CloudAPIErrorCatalogue.isRetryable(code) }
        return httpStatus == nil || (httpStatus ?? 0) >= 500 || httpStatus == 429
    }

    public var description: String { "Graph error \(code.map(String.init) ?? "-") (HTTP \(httpStatus.map(String.init) ?? "-")): \(message)" }
}

/// The Cloud API calls Chorus makes, over async-http-client.
public struct GraphClient: Sendable {
    let http: HTTPClient
    let timeout: TimeAmount

    public init(http: HTTPClient, timeout: TimeAmount = .seconds(20)) {
        self.http = http
        self.timeout = timeout
    }

    /// Sends a message body (`messaging_product` is added) and returns Meta's wamid.
    public func sendMessage(_ endpoint: GraphEndpoint, body: JSONValue) async throws -> String {
        var object = body.object ?? [:]
        object["messaging_product"] = .string("whatsapp")
        let response = try await call(endpoint, method: .POST, path: "\(endpoint.phoneNumberID)/messages", body: .object(object))
        guard let wamid = response["messages"]?.array?.first?["id"]?.string else {
            throw GraphError(httpStatus: 200, code: nil, message: "Meta's answer carried no message id", details: nil)
        }
        return wamid
    }

    /// Marks a customer's message read, optionally showing the typing indicator.
    public func markRead(_ endpoint: GraphEndpoint, wamid: String, typing: Bool) async throws {
        var body: [String: JSONValue] = ["messaging_product": .string("whatsapp"), "status": .string("read"),
                                         "message_id": .string(wamid)]
        if typing { body["typing_indicator"] = .object(["type": .string("text")]) }
        _ = try await call(endpoint, method: .POST, path: "\(endpoint.phoneNumberID)/messages", body: .object(body))
    }

    /// Downloads an inbound media file: `GET /{media-id}` for its short-lived URL, then the
    /// file itself with the same bearer token (reference §5).
    public func downloadMedia(_ endpoint: GraphEndpoint, mediaID: String, limit: Int) async throws -> (bytes: [UInt8], mimeType: String) {
        let info = try await call(endpoint, method: .GET, path: mediaID, body: nil)
        guard let url = info["url"]?.string else {
            throw GraphError(httpStatus: 200, code: nil, message: "Meta's media answer carried no URL", details: nil)
        }
        if let size = info["file_size"]?.int, size > limit {
            throw GraphError(httpStatus: 200, code: 131052, message: "The media file is larger than \(limit) bytes", details: nil)
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.accessToken)")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw GraphError(httpStatus: nil, code: nil, message: "Could not download the media: \(error)", details: nil)
        }
        guard response.status.code == 200 else {
            throw GraphError(httpStatus: Int(response.status.code), code: nil, message: "Media download answered HTTP \(response.status.code)", details: nil)
        }
        let body = try await response.body.collect(upTo: limit)
        let mime = info["mime_type"]?.string ?? response.headers.first(name: "Content-Type") ?? "application/octet-stream"
        return (Array(body.readableBytesView), mime)
    }

    /// Uploads a file with `POST /{phone-number-id}/media` (multipart/form-data) and returns
    /// Meta's media id, valid for 30 days.
    public func uploadMedia(_ endpoint: GraphEndpoint, bytes: [UInt8], mimeType: String, filename: String) async throws -> String {
        let boundary = "chorus-\(UInt64.random(in: 0...UInt64.max))"
        var body = ByteBuffer()
        func field(_ name: String, _ value: String) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        field("messaging_product", "whatsapp")
        field("type", mimeType)
        let safeName = filename.replacingOccurrences(of: "\"", with: "")
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\nContent-Type: \(mimeType)\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        var request = HTTPClientRequest(url: "\(endpoint.baseURL)/\(endpoint.apiVersion)/\(endpoint.phoneNumberID)/media")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.accessToken)")
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .bytes(body)
        let json = try await execute(request)
        guard let id = json["id"]?.string else {
            throw GraphError(httpStatus: 200, code: nil, message: "Meta's upload answer carried no media id", details: nil)
        }
        return id
    }

    /// Every template of the number's WABA, following Meta's `paging.next` links.
    public func listTemplates(_ endpoint: GraphEndpoint, pageSize: Int = 100) async throws -> [JSONValue] {
        var templates: [JSONValue] = []
        var next: String? = "\(endpoint.baseURL)/\(endpoint.apiVersion)/\(endpoint.wabaID)/message_templates?limit=\(pageSize)"
        var pages = 0
        while let url = next, pages < 1000 {
            let page = try await call(endpoint, method: .GET, url: url, body: nil)
            templates += page["data"]?.array ?? []
            next = page["paging"]?["next"]?.string
            pages += 1
        }
        return templates
    }

    public func call(_ endpoint: GraphEndpoint, method: HTTPMethod, path: String, body: JSONValue?) async throws -> JSONValue {
        try await call(endpoint, method: method, url: "\(endpoint.baseURL)/\(endpoint.apiVersion)/\(path)", body: body)
    }

    public func call(_ endpoint: GraphEndpoint, method: HTTPMethod, url: String, body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.accessToken)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        return try await execute(request)
    }

    /// Sends a request and turns Meta's answer into JSON, or its error envelope into a `GraphError`.
    func execute(_ request: HTTPClientRequest) async throws -> JSONValue {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            // A refused or timed-out connect never carried the request; anything later might have.
            let text = String(describing: error).lowercased()
            let neverSent = text.contains("connect") || text.contains("refused") || text.contains("resolve")
            var failure = GraphError(httpStatus: nil, code: nil, message: "Could not reach the Graph API: \(error)", details: nil)
            failure.outcomeUnknown = !neverSent
            throw failure
        }
        let bytes = try await response.body.collect(upTo: 8 << 20)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))) ?? .null
        guard response.status.code < 400 else {
            let error = json["error"]
            throw GraphError(httpStatus: Int(response.status.code), code: error?["code"]?.int.map(Int.init),
                             message: error?["message"]?.string ?? "HTTP \(response.status.code)",
                             details: error?["error_data"]?["details"]?.string)
        }
        return json
    }
}
