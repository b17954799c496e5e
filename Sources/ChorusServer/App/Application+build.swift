import AsyncHTTPClient
import Foundation
import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// What the running server holds: its store, its services and its metrics.
public struct ChorusRuntime: Sendable {
    public let metrics: Metrics
    public let committer: GroupCommitter
    public let sender: OutboundSender
    public let templateSync: TemplateSync
    public let mediaFetcher: MediaFetcher
    let teamJobs: TeamJobs
    let hub: DeviceHub
    let pump: EventPump
    let presence: PresenceService
    let clusterBus: ClusterBus
    let webhooks: WebhookController

    /// The background services to run beside the HTTP server. `runSender` off keeps Chorus
    /// from talking to Meta (tests that drive the outbox by hand); `syncTemplates` runs the
    /// start-up template sync.
    public func services(runSender: Bool, syncTemplates: Bool = true) -> [any Service] {
        var services: [any Service] = [committer, teamJobs, pump, presence, clusterBus]
        if runSender { services += [sender, mediaFetcher] + (syncTemplates ? [templateSync] : []) }
        return services
    }

}

/// Builds the Hummingbird application on an open database.
public func buildApplication(config: ServerConfig, db: Database, httpClient: HTTPClient,
                             logger: Logger) -> (some ApplicationProtocol, ChorusRuntime) {
    let (router, runtime) = buildRouter(config: config, db: db, httpClient: httpClient, logger: logger)
    let services = runtime.services(runSender: config.runSender)
    let app = makeApplication(router: router, runtime: runtime, config: config, services: services, logger: logger)
    return (app, runtime)
}

/// The HTTP server with WebSocket upgrades (for `/api/v1/events`) on `router`.
public func makeApplication(router: Router<ChorusRequestContext>, runtime: ChorusRuntime, config: ServerConfig,
                            services: [any Service], logger: Logger) -> some ApplicationProtocol {
    // Signed webhooks are served in each connection's pipeline, ahead of the router.
    var http1 = HTTP1Channel.Configuration()
    if config.webhookFastPath {
        let webhooks = runtime.webhooks
        http1.additionalChannelHandlers = { [WebhookFastPath.Installer(webhooks: webhooks, logger: logger)] }
    }
    // A device that does not answer the close handshake is dropped after 5 s (default 15), so
    // a stopping server is not held up by it (EventsController closes sockets on shutdown).
    let sockets = HTTP1WebSocketUpgradeChannel.Configuration(http1: http1, ws: .init(closeTimeout: .seconds(5)))
    let webSocketResponder = router.buildResponder()
    let server = HTTPServerBuilder { responder in
        CloseOnStop(inner: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder,
                                                        configuration: sockets),
                    grace: config.stopGrace)
    }
    return Application(router: router, server: server,
                configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Chorus"),
                services: services, logger: logger)
}

/// Where the web app's files are: bundled with the server as resources.
let webRoot: String = Bundle.module.url(forResource: "index", withExtension: "html", subdirectory: "Resources/web")?
    .deletingLastPathComponent().path ?? Bundle.module.bundlePath + "/Resources/web"

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
    // On PostgreSQL each webhook commit wakes the other instances' pumps by itself (a NOTIFY
    // inside its transaction), named as this instance so that its own pump passes over it.
    let instance = UUID().uuidString
    let files = MediaFiles(dataDirectory: config.dataDirectory)
    let media = MediaRepository(db)
    let sender = OutboundSender(outbox: outbox, channels: channels, media: media, files: files, graph: graph,
                                config: config, metrics: metrics, logger: logger)
    let mediaFetcher = MediaFetcher(media: media, channels: channels, graph: graph, files: files, logger: logger)
    let templateSync = TemplateSync(channels: channels, templates: templates, graph: graph, logger: logger)
    let settings = SettingsRepository(db)
    var defaults = WorkspaceSecurity()
    defaults.deviceCap = config.deviceCap
    let security = SecuritySettings(settings: settings, defaults: defaults)
    let actorLoader = ActorLoader(members: members, devices: devices, security: security)
    let hub = DeviceHub(reload: { try await actorLoader.reload($0) })
    let feed = EventFeed(db)
    let pump = EventPump(feed: feed, hub: hub, clusterDB: db.dialect == .postgres ? db : nil, instance: instance,
                         pausePerDevice: EventPump.pausePerDevice(db.dialect), logger: logger)
    let presence = PresenceService(board: PresenceBoard(), hub: hub, inbox: inbox, db: db, logger: logger)
    let clusterBus = ClusterBus(db: db, pump: pump, presence: presence, logger: logger)
    // Each webhook commit wakes our pump with the events it wrote (or, when it cannot list them,
    // to read the log); the commit wakes the other instances itself, by a NOTIFY inside it.
    let committer = GroupCommitter(ingest: IngestRepository(db, notifying: db.dialect == .postgres ? (ClusterBus.eventsChannel, instance) : nil),
                                   metrics: metrics, logger: logger, onCommitted: { pump.handOff($0) })
    let audit = AuditRepository(db)
    let throttle = ThrottleRepository(db)
    let twoFactor = TwoFactorRepository(db)
    let team = TeamRepository(db)
    let permissionTemplates = PermissionTemplateRepository(db)
    let invites = InviteRepository(db)

    let router = Router(context: ChorusRequestContext.self)
    router.addMiddleware {
        MetricsMiddleware(metrics: metrics)
        SecurityHeadersMiddleware()
        ErrorMiddleware()
        // The web app: static files (HTML, CSS, ES modules) from the bundled Resources/web.
        FileMiddleware(webRoot, searchForIndexHtml: true, logger: logger)
    }

    // Operations
    let ops = OpsController(db: db, metrics: metrics)
    router.get("healthz", use: ops.health)
    router.get("metrics", use: ops.prometheus)
    router.get("openapi.json", use: ops.openAPI)

    // WhatsApp webhooks
    let webhooks = WebhookController(channels: ChannelDirectory(channels: channels), committer: committer,
                                     metrics: metrics, maxBytes: config.maxWebhookBytes)
    router.get("webhooks/whatsapp", use: webhooks.verify)
    router.post("webhooks/whatsapp", use: webhooks.receive)

    // API: public (sign-in, accepting an invitation, asking for a device link)
    let sessions = SessionController(members: members, devices: devices, twoFactor: twoFactor, throttle: throttle, audit: audit,
                                     security: security, hub: hub, secureCookies: config.secureCookies)
    let memberAPI = MemberController(members: members, invites: invites, templates: permissionTemplates, devices: devices,
                                     security: security, hub: hub, bcryptCost: config.bcryptCost)
    let links = DeviceLinkController(links: DeviceLinkRepository(db), members: members, throttle: throttle, audit: audit,
                                     security: security, sessions: sessions)
    router.post("api/v1/sessions", use: sessions.signIn)
    router.post("api/v1/invites/accept", use: memberAPI.accept)
    router.post("api/v1/device-links", use: links.create)
    router.post("api/v1/device-links/:id/claim", use: links.claim)

    // API: everything else needs a signed-in device, and passes the permission decision
    // (RouteRules.swift) before its handler runs.
    let api = router.group("api/v1").add(middleware: AuthMiddleware(devices: devices, actors: actorLoader))
        .add(middleware: PolicyMiddleware())
    api.delete("sessions/current", use: sessions.signOut)
    let events = EventsController(hub: hub, pump: pump, feed: feed, presence: presence)
    api.ws("events", shouldUpgrade: events.shouldUpgrade, onUpgrade: events.handle)
    api.get("me", use: sessions.me)
    let deviceAPI = DeviceController(devices: devices, security: security, hub: hub)
    api.get("devices", use: deviceAPI.list)
    api.delete("devices/:id", use: deviceAPI.signOutDevice)
    api.post("devices/logout-all", use: deviceAPI.signOutAll)
    api.post("device-links/approve", use: links.approve)
    let twoFactorAPI = TwoFactorController(members: members, twoFactor: twoFactor, devices: devices, throttle: throttle,
                                           security: security, bcryptCost: config.bcryptCost)
    api.get("me/two-factor", use: twoFactorAPI.status)
    api.post("me/two-factor/totp", use: twoFactorAPI.beginTOTP)
    api.post("me/two-factor/totp/confirm", use: twoFactorAPI.confirmTOTP)
    api.post("me/two-factor/totp/disable", use: twoFactorAPI.disableTOTP)
    api.post("me/two-factor/recovery-codes", use: twoFactorAPI.renewRecoveryCodes)
    api.put("me/pin", use: twoFactorAPI.setPIN)
    api.post("me/step-up", use: twoFactorAPI.stepUp)

    // Team administration
    api.get("members", use: memberAPI.list)
    api.post("members", use: memberAPI.invite)
    api.post("members/import", use: MemberImportController(members: memberAPI, invites: invites, templates: permissionTemplates,
                                                           security: security).importCSV)
    api.get("members/:id", use: memberAPI.get)
    api.patch("members/:id", use: memberAPI.update)
    api.post("members/:id/deactivate", use: memberAPI.deactivate)
    api.post("members/:id/logout-all", use: memberAPI.signOutAll)
    api.get("invites", use: memberAPI.pendingInvites)
    api.get("team/devices", use: memberAPI.teamDevices)
    let templateAdmin = PermissionTemplateController(templates: permissionTemplates, members: members, hub: hub)
    api.get("permission-templates", use: templateAdmin.list)
    api.post("permission-templates", use: templateAdmin.create)
    api.put("permission-templates/:id", use: templateAdmin.update)
    api.delete("permission-templates/:id", use: templateAdmin.delete)
    let health = TeamHealthController(team: team, settings: settings, audit: audit)
    api.get("permission-conflicts", use: health.latestConflicts)
    api.post("permission-conflicts/check", use: health.checkConflicts)
    api.get("team/advisories", use: health.advisories)
    api.post("team/presets/:name/apply", use: health.applyPreset)
    api.get("teams", use: health.teams)
    api.get("audit-events", use: health.auditEvents)
    api.get("audit-events/verify", use: health.verifyAudit)
    let settingsAPI = SettingsController(security: security, settings: settings, hub: hub)
    api.get("settings/security", use: settingsAPI.getSecurity)
    api.put("settings/security", use: settingsAPI.putSecurity)
    api.get("settings/payment", use: settingsAPI.getPayment)
    api.put("settings/payment", use: settingsAPI.putPayment)

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

    let state = ConversationStateRepository(db)
    let notes = NoteRepository(db)
    let teamJobs = TeamJobs(devices: devices, team: team, settings: settings, security: security, hub: hub,
                            conversations: state, db: db, onEvents: { pump.announce() }, logger: logger)
    let conversations = ConversationController(inbox: inbox, outbox: outbox, media: media, files: files,
                                               mediaCap: config.mediaCapBytes, state: state,
                                               onEnqueued: { sender.kick(); pump.announce() })
    api.get("conversations", use: conversations.list)
    api.get("conversations/:id", use: conversations.get)
    api.get("conversations/:id/messages", use: conversations.messages)
    api.post("conversations/:id/messages", use: conversations.send)
    api.get("inbox/counts", use: conversations.counts)
    let actions = ConversationActionsController(inbox: inbox, state: state, notes: notes, members: members, actors: actorLoader,
                                                onChanged: { pump.announce() })
    api.post("conversations/:id/assignment", use: actions.assign)
    api.get("conversations/:id/assignments", use: actions.assignments)
    api.post("conversations/:id/status", use: actions.setStatus)
    api.put("conversations/:id/labels", use: actions.setLabels)
    api.get("conversations/:id/notes", use: actions.listNotes)
    api.post("conversations/:id/notes", use: actions.addNote)
    let catalogue = CatalogueController(catalogue: CatalogueRepository(db))
    api.get("labels", use: catalogue.labels)
    api.post("labels", use: catalogue.createLabel)
    api.delete("labels/:id", use: catalogue.deleteLabel)
    api.get("quick-replies", use: catalogue.quickReplies)
    api.post("quick-replies", use: catalogue.createQuickReply)
    api.put("quick-replies/:id", use: catalogue.updateQuickReply)
    api.delete("quick-replies/:id", use: catalogue.deleteQuickReply)
    let searchAPI = SearchController(search: SearchRepository(db), contacts: ContactRepository(db), notes: notes)
    api.get("search", use: searchAPI.find)
    api.get("contacts/:id", use: searchAPI.profile)
    api.get("sync", use: SyncController(sync: SyncRepository(db), pump: pump).stream)
    let history = ConversationHistoryController(inbox: inbox, audit: audit)
    api.delete("conversations/:id", use: history.delete)
    api.get("conversations/:id/export", use: history.export)
    api.get("exports/conversations", use: history.exportSet)
    let mediaAPI = MediaController(media: media, files: files)
    api.get("media/:id", use: mediaAPI.get)
    let receipts = ReadReceiptController(inbox: inbox, channels: channels, graph: graph, state: state)
    api.post("conversations/:id/read", use: receipts.markRead)
    api.post("conversations/:id/typing", use: receipts.typing)

    return (router, ChorusRuntime(metrics: metrics, committer: committer, sender: sender, templateSync: templateSync,
                                  mediaFetcher: mediaFetcher, teamJobs: teamJobs, hub: hub, pump: pump, presence: presence,
                                  clusterBus: clusterBus, webhooks: webhooks))
}
