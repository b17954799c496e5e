import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// `GET /api/v1/media/{id}`: a stored media file, only for members who may see a conversation
/// that holds it.
struct MediaController {
    let media: MediaRepository
    let files: MediaFiles

    func get(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let raw = context.parameters.get("id"), let id = Int64(raw),
              let record = try await media.visible(id: id, scope: AccessPolicy.scope(for: actor)) else {
            throw ChorusError.notFound("The media file")
        }
        let data: Data
        do {
            data = try files.read(record.sha256)
        } catch {
            throw ChorusError(status: 410, code: "media_missing", message: "The media file is no longer on this server.")
        }
        return Response(status: .ok, headers: [.contentType: record.mimeType, .cacheControl: "private, max-age=86400",
                                               .init("X-Content-Type-Options")!: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
