import ChorusStore
import Foundation
import Hummingbird

/// `/healthz`, `/metrics` and `/openapi.json`: what operators and API clients read.
struct OpsController {
    let db: Database
    let metrics: Metrics

    func health(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let reachable = await db.ping()
        struct Health: Encodable {
            var status: String
            var database: String
            var engine: String
        }
        return try JSONBody.response(Health(status: reachable ? "ok" : "unavailable",
                                            database: reachable ? "reachable" : "unreachable",
                                            engine: db.dialect.rawValue),
                                     status: reachable ? .ok : .serviceUnavailable)
    }

    func prometheus(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: metrics.prometheusText())))
    }

    func openAPI(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
    }
}

/// The OpenAPI 3.1 document, kept in the repo at Sources/ChorusServer/Resources/openapi.json.
/// A test compares its paths with the router's routes, in both directions.
public enum OpenAPIDocument {
    public static let bytes: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources"),
              let data = try? Data(contentsOf: url) else { return Data("{}".utf8) }
        return data
    }()
}
