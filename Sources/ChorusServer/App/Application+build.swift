import AsyncHTTPClient
import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Hummingbird
import Logging
import ServiceLifecycle

/// What the running server holds: its store, its services and its metrics.
public struct ChorusRuntime: Sendable {
    public let metrics: Metrics
    public let committer: GroupCommitter
    public let sender: OutboundSender
    public let templateSync: TemplateSync
    public let mediaFetcher: MediaFetcher
}

/// Builds the Hummingbird application on an open database.
public func buildApplication(config: ServerConfig, db: Database, httpClient: HTTPClient,
                             logger: Logger) -> (some ApplicationProtocol, ChorusRuntime) {
    let (router, runtime) = buildRouter(config: config, db: db, httpClient: httpClient, logger: logger)
    var services: [any Service] = [runtime.committer]
    if config.runSender { services += [runtime.sender, runtime.templateSync, runtime.mediaFetcher] }
    let app = Application(router: router,
                          configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Chorus"),
                          services: services, logger: logger)
    return (app, runtime)
}

/// Every route is listed here, in sections, so this function is the map of the HTTP surface
/// (mirrored in openapi.json; a test keeps the two equal).
public func buildRouter(config: ServerConfig, db: Database, httpClient: HTTPClient,
                        logger: Logger) -> (Router<ChorusRequestContext>, ChorusRuntime) {
    let metrics = Metrics()
    let channels = ChannelRepository(db)
    let members = MemberRepository(db)
    let devices = DeviceRepository(db)
    let inbox = InboxRepository(db)
    let outbox = OutboxRepository(db)
    let templates = TemplateRepository(db)
    let graph = GraphClient(http: httpClient)
    let committer = GroupCommitter(ingest: IngestRepository(db))
    let files = MediaFiles(dataDirectory: config.dataDirectory)
    let media = MediaRepository(db)
    let sender = OutboundSender(outbox: outbox, channels: channels, media: media, files: files, graph: graph,
                                config: config, metrics: metrics, logger: logger)
    let mediaFetcher = MediaFetcher(media: media, channels: channels, graph: graph, files: files, logger: logger)
    let templateSync = TemplateSync(channels: channels, templates: templates, graph: graph, logger: logger)

    let router = Router(context: ChorusRequestContext.self)
    router.addMiddleware {
        MetricsMiddleware(metrics: metrics)
        ErrorMiddleware()
    }

    // Operations
    let ops = OpsController(db: db, metrics: metrics)
    router.get("healthz", use: ops.health)
    router.get("metrics", use: ops.prometheus)
    router.get("openapi.json", use: ops.openAPI)

    // WhatsApp webhooks
    let webhooks = WebhookController(channels: ChannelDirectory(channels: channels), committer: committer, metrics: metrics,
                                     maxBytes: config.maxWebhookBytes)
    router.get("webhooks/whatsapp", use: webhooks.verify)
    router.post("webhooks/whatsapp", use: webhooks.receive)

    // API: sign-in (public)
    let sessions = SessionController(members: members, devices: devices, deviceCap: config.deviceCap)
    router.post("api/v1/sessions", use: sessions.signIn)

    // API: everything else needs a signed-in device
    let api = router.group("api/v1").add(middleware: AuthMiddleware(devices: devices, members: members))
    api.delete("sessions/current", use: sessions.signOut)
    api.get("me", use: sessions.me)
    api.get("devices", use: sessions.listDevices)

    let channelAPI = ChannelController(channels: channels)
    api.get("channels", use: channelAPI.list)
    let profiles = ProfileController(channels: channels, graph: graph)
    api.get("channels/:id/profile", use: profiles.get)
    api.put("channels/:id/profile", use: profiles.update)

    let diagnostics = DiagnosticsController(diagnostics: DiagnosticsRepository(db), metrics: metrics)
    api.get("diagnostics/webhooks", use: diagnostics.webhooks)

    let templateAPI = TemplateController(templates: templates, sync: templateSync)
    api.get("templates", use: templateAPI.list)
    api.post("templates/sync", use: templateAPI.syncNow)

    let conversations = ConversationController(inbox: inbox, outbox: outbox, media: media, files: files,
                                               mediaCap: config.mediaCapBytes, onEnqueued: { sender.kick() })
    api.get("conversations", use: conversations.list)
    api.get("conversations/:id", use: conversations.get)
    api.get("conversations/:id/messages", use: conversations.messages)
    api.post("conversations/:id/messages", use: conversations.send)
    let mediaAPI = MediaController(media: media, files: files)
    api.get("media/:id", use: mediaAPI.get)
    let receipts = ReadReceiptController(inbox: inbox, channels: channels, graph: graph)
    api.post("conversations/:id/read", use: receipts.markRead)
    api.post("conversations/:id/typing", use: receipts.typing)

    return (router, ChorusRuntime(metrics: metrics, committer: committer, sender: sender, templateSync: templateSync, mediaFetcher: mediaFetcher))
}
