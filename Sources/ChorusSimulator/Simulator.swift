import AsyncHTTPClient
import ChorusCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The Cloud API simulator: Meta's Graph API under `/{version}/…` exactly as Meta's paths are,
/// plus a control API under `/_sim/…` to inject customer messages and see what was sent.
public struct Simulator: Sendable {
    public let config: SimulatorConfig
    let state: SimulatorState
    public let deliverer: WebhookDeliverer
    let logger: Logger

    public init(config: SimulatorConfig, http: HTTPClient, logger: Logger) {
        self.config = config
        self.state = SimulatorState(config: config)
        self.deliverer = WebhookDeliverer(config: config, http: http, logger: logger)
        self.logger = logger
    }

    /// The HTTP application, with the webhook deliverer and simulated customers as services.
    public func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("_sim/health") { _, _ in "ok" }
        router.post("_sim/inject", use: inject)
        router.get("_sim/sent", use: listSent)
        router.get("_sim/stats", use: stats)
        router.get(":version/:object", use: getObject)
        router.post(":version/:object/messages", use: sendMessage)
        router.get(":version/:object/whatsapp_business_profile", use: getProfile)
        router.post(":version/:object/whatsapp_business_profile", use: postProfile)
        router.get(":version/:object/message_templates", use: listTemplates)
        router.post(":version/:object/message_templates", use: createTemplate)
        router.post(":version/:object/media", use: uploadMedia)
        router.delete(":version/:object", use: deleteObject)
        router.get("_sim/media/:id", use: downloadMedia)
        return Application(router: router,
                           configuration: .init(address: .hostname(config.host, port: config.port), serverName: "ChorusSimulator"),
                           services: [deliverer, CustomerService(simulator: self)], logger: logger)
    }

    // MARK: control API

    struct Injection: Decodable {
        var from: String
        var name: String?
        var type: String?
        var text: String?
        var content: JSONValue?
        var context: String?
    }

    /// `POST /_sim/inject`: a customer writes. Answers with the new message's wamid.
    @Sendable func inject(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let injection = try await request.decode(as: Injection.self, context: context)
        let type = injection.type ?? "text"
        let content = injection.content ?? .object(["body": .string(injection.text ?? "")])
        let wamid = await customerWrites(from: injection.from, name: injection.name ?? injection.from, type: type,
                                         content: content, replyTo: injection.context)
        return try json(.object(["id": .string(wamid)]))
    }

    func customerWrites(from waID: String, name: String, type: String, content: JSONValue, replyTo: String? = nil) async -> String {
        let now = Date().timeIntervalSince1970
        await state.customerWrote(waID, at: now)
        let wamid = await state.nextID(prefix: "wamid")
        deliverer.enqueue(WebhookPayloads.customerMessage(config, from: waID, name: name, wamid: wamid, timestamp: Int(now),
                                                          type: type, content: content, context: replyTo))
        return wamid
    }

    @Sendable func listSent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let sent = await state.sent
        let data = try JSONEncoder().encode(["items": sent])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func stats(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let stats = deliverer.stats
        return try json(.object(["sent": .int(Int64(await state.sent.count)), "webhooksDelivered": .int(Int64(stats.delivered)),
                                 "webhookFailedAttempts": .int(Int64(stats.failedAttempts)),
                                 "webhooksPending": .int(Int64(deliverer.pending))]))
    }

    // MARK: Graph API

    func authorize(_ request: Request) throws {
        guard request.headers[.authorization] == "Bearer \(config.accessToken)" else { throw GraphAPIError.badToken }
    }

    func version(_ context: BasicRequestContext) throws -> String {
        let version = context.parameters.get("version") ?? ""
        guard version.range(of: #"^v\d+\.\d+$"#, options: .regularExpression) != nil else {
            throw GraphAPIError(httpStatus: 400, code: 2500, title: "Unknown path components", details: "Unknown path /\(version)")
        }
        return version
    }

    func requirePhone(_ context: BasicRequestContext) throws {
        _ = try version(context)
        let object = context.parameters.get("object") ?? ""
        guard object == config.phoneNumberID else { throw GraphAPIError.unknownObject(object) }
    }

    func requireWABA(_ context: BasicRequestContext) throws {
        _ = try version(context)
        let object = context.parameters.get("object") ?? ""
        guard object == config.wabaID else { throw GraphAPIError.unknownObject(object) }
    }

    @Sendable func sendMessage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requirePhone(context)
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            throw GraphAPIError.invalid("The request body is not valid JSON.")
        }
        if body["status"]?.string == "read" {
            guard body["message_id"]?.string != nil else { throw GraphAPIError.missing("message_id") }
            return try json(.object(["success": .bool(true)]))
        }
        guard body["messaging_product"]?.string == "whatsapp" else { throw GraphAPIError.missing("messaging_product") }
        guard let to = body["to"]?.string ?? body["recipient"]?.string else { throw GraphAPIError.missing("to") }
        guard let type = body["type"]?.string ?? (body["text"] != nil ? "text" : nil) else { throw GraphAPIError.missing("type") }
        guard let content = body[type] else { throw GraphAPIError.missing(type) }
        try await validate(type: type, content: content)
        let recipient = to.filter { $0.isNumber || $0 == "." || $0.isLetter }
        let now = Date().timeIntervalSince1970
        if let code = await state.admit(to: recipient, now: now) {
            throw code == 130429
                ? GraphAPIError(httpStatus: 400, code: 130429, title: "Rate limit hit", details: "Cloud API message throughput has been reached.")
                : GraphAPIError(httpStatus: 400, code: 131056, title: "(Business Account, Consumer Account) pair rate limit hit",
                                details: "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.")
        }
        let wamid = await state.nextID(prefix: "wamid")
        await state.record(.init(id: wamid, to: recipient, type: type, body: body, receivedAt: now))
        await scheduleStatuses(wamid: wamid, recipient: recipient, type: type, now: now)
        return try json(.object([
            "messaging_product": .string("whatsapp"),
            "contacts": .array([.object(["input": .string(to), "wa_id": .string(recipient)])]),
            "messages": .array([.object(type == "template" ? ["id": .string(wamid), "message_status": .string("accepted")]
                                                           : ["id": .string(wamid)])]),
        ]))
    }

    func validate(type: String, content: JSONValue) async throws {
        switch type {
        case "text":
            guard let text = content["body"]?.string, !text.isEmpty else { throw GraphAPIError.missing("text.body") }
            guard text.count <= 4096 else { throw GraphAPIError.invalid("Param text['body'] must be at most 4096 characters long.") }
        case "template":
            guard let name = content["name"]?.string else { throw GraphAPIError.missing("template.name") }
            let language = content["language"]?["code"]?.string ?? content["language"]?.string ?? ""
            let known = await state.templates.contains {
                $0["name"]?.string == name && $0["language"]?.string == language && $0["status"]?.string == "APPROVED"
            }
            guard known else {
                throw GraphAPIError(httpStatus: 404, code: 132001, title: "Template name does not exist in the translation",
                                    details: "template name (\(name)) does not exist in \(language)")
            }
        case "reaction":
            guard content["message_id"]?.string != nil else { throw GraphAPIError.missing("reaction.message_id") }
        case "image", "video", "audio", "document", "sticker":
            guard content["id"]?.string != nil || content["link"]?.string != nil else { throw GraphAPIError.missing("\(type).id") }
        case "interactive", "location", "contacts":
            break
        default:
            throw GraphAPIError(httpStatus: 400, code: 131051, title: "Unsupported message type", details: "Message type \(type) is not supported.")
        }
    }

    /// sent → delivered → read, or a 131047 failure when the 24 h window is closed.
    func scheduleStatuses(wamid: String, recipient: String, type: String, now: Double) async {
        let windowOpen = await state.windowOpen(for: recipient, now: now)
        let ts = Int(now)
        if type != "template" && type != "reaction" && !windowOpen {
            deliverer.enqueue(WebhookPayloads.status(config, wamid: wamid, status: "failed", recipient: recipient, timestamp: ts,
                                                     error: (131047, "Re-engagement message",
                                                             "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")),
                              after: config.sentDelay)
            return
        }
        deliverer.enqueue(WebhookPayloads.status(config, wamid: wamid, status: "sent", recipient: recipient, timestamp: ts),
                          after: config.sentDelay)
        if type == "reaction" { return }
        let reorder = Double.random(in: 0..<1) < config.reorderChance
        if Double.random(in: 0..<1) >= config.skipDeliveredChance {
            deliverer.enqueue(WebhookPayloads.status(config, wamid: wamid, status: "delivered", recipient: recipient,
                                                     timestamp: ts + 1), after: reorder ? config.readDelay : config.deliveredDelay)
        }
        deliverer.enqueue(WebhookPayloads.status(config, wamid: wamid, status: "read", recipient: recipient,
                                                 timestamp: ts + 2), after: reorder ? config.deliveredDelay : config.readDelay)
    }

    /// `GET /{version}/{id}`: the phone number's info, or a media object's download URL.
    @Sendable func getObject(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        _ = try version(context)
        let object = context.parameters.get("object") ?? ""
        if object == config.phoneNumberID {
            return try json(.object([
                "id": .string(config.phoneNumberID), "display_phone_number": .string(config.displayNumber),
                "verified_name": .string("Chorus Demo Shop"), "quality_rating": .string("GREEN"),
                "code_verification_status": .string("VERIFIED"), "platform_type": .string("CLOUD_API"),
                "throughput": .object(["level": .string("STANDARD")]), "messaging_limit_tier": .string("TIER_1K"),
            ]))
        }
        if let media = await state.media[object] {
            return try json(.object([
                "messaging_product": .string("whatsapp"), "id": .string(object), "mime_type": .string(media.mimeType),
                "file_size": .int(Int64(media.bytes.count)),
                "url": .string("http://\(config.host):\(config.port)/_sim/media/\(object)"),
            ]))
        }
        throw GraphAPIError.unknownObject(object)
    }

    @Sendable func deleteObject(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        _ = try version(context)
        let object = context.parameters.get("object") ?? ""
        guard await state.deleteMedia(object) else { throw GraphAPIError.unknownObject(object) }
        return try json(.object(["success": .bool(true)]))
    }

    @Sendable func downloadMedia(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        guard let id = context.parameters.get("id"), let media = await state.media[id] else {
            return Response(status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: media.mimeType], body: .init(byteBuffer: ByteBuffer(bytes: media.bytes)))
    }

    /// `POST /{phone-number-id}/media`, multipart/form-data as Meta takes it: the `file` part,
    /// with `messaging_product` and `type` fields; Meta's MIME and size table applies.
    @Sendable func uploadMedia(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requirePhone(context)
        let buffer = try await request.body.collect(upTo: 101 << 20)
        guard let parts = Multipart.parse(Array(buffer.readableBytesView), contentType: request.headers[.contentType] ?? ""),
              let file = parts.first(where: { $0.name == "file" }) else {
            throw GraphAPIError.missing("file")
        }
        guard parts.first(where: { $0.name == "messaging_product" }).map({ String(decoding: $0.body, as: UTF8.self) }) == "whatsapp" else {
            throw GraphAPIError.missing("messaging_product")
        }
        let mime = parts.first(where: { $0.name == "type" }).map { String(decoding: $0.body, as: UTF8.self) }
            ?? file.contentType ?? "application/octet-stream"
        do {
            _ = try MediaPolicy.check(mimeType: mime, size: file.body.count, workspaceCap: Int.max)
        } catch {
            throw GraphAPIError(httpStatus: 400, code: 131053, title: "Media upload error", details: error.message)
        }
        let id = await state.storeMedia(file.body, mimeType: mime)
        return try json(.object(["id": .string(id)]))
    }

    @Sendable func getProfile(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requirePhone(context)
        return try json(.object(["data": .array([await state.profile])]))
    }

    @Sendable func postProfile(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requirePhone(context)
        let update = try await request.decode(as: JSONValue.self, context: context)
        if let about = update["about"]?.string, about.count > 139 { throw GraphAPIError.invalid("about must be at most 139 characters.") }
        await state.setProfile(update.object ?? [:])
        return try json(.object(["success": .bool(true)]))
    }

    /// Templates, paged with Meta's cursor shape (`paging.cursors.after`, `paging.next`).
    @Sendable func listTemplates(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requireWABA(context)
        let templates = await state.templates
        let limit = max(1, Int(request.uri.queryParameters["limit"] ?? "") ?? 25)
        let start = Int(request.uri.queryParameters["after"] ?? "") ?? 0
        let page = Array(templates.dropFirst(start).prefix(limit))
        var paging: [String: JSONValue] = ["cursors": .object(["before": .string(String(start)), "after": .string(String(start + page.count))])]
        if start + page.count < templates.count {
            paging["next"] = .string("http://\(config.host):\(config.port)\(request.uri.path)?limit=\(limit)&after=\(start + page.count)")
        }
        return try json(.object(["data": .array(page), "paging": .object(paging)]))
    }

    @Sendable func createTemplate(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        try requireWABA(context)
        var template = try await request.decode(as: JSONValue.self, context: context).object ?? [:]
        guard template["name"]?.string != nil, template["language"]?.string != nil else { throw GraphAPIError.missing("name") }
        let id = await state.nextID(prefix: "tmpl")
        template["id"] = .string(id)
        template["status"] = .string("APPROVED")
        await state.addTemplate(.object(template))
        return try json(.object(["id": .string(id), "status": .string("APPROVED"), "category": template["category"] ?? .string("UTILITY")]))
    }

    func json(_ value: JSONValue) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }
}
