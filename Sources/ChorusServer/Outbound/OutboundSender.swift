import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The durable sender: takes queued replies from the store, paces them per number and per
/// customer, calls the Graph API and records the outcome. Retries throttling and outages with
/// backoff; a send whose outcome is unknown is never repeated.
public final class OutboundSender: Service, Sendable {
    let outbox: OutboxRepository
    let channels: ChannelRepository
    let media: MediaRepository
    let files: MediaFiles
    let graph: GraphClient
    let pacer: SendPacer
    let metrics: Metrics
    let logger: Logger
    let maximumAttempts = 8
    private let kicked = Mutex(false)

    init(outbox: OutboxRepository, channels: ChannelRepository, media: MediaRepository, files: MediaFiles,
         graph: GraphClient, config: ServerConfig, metrics: Metrics, logger: Logger) {
        self.outbox = outbox
        self.channels = channels
        self.media = media
        self.files = files
        self.graph = graph
        self.pacer = SendPacer(messagesPerSecond: config.messagesPerSecond, pairRateSeconds: config.pairRateSeconds,
                               pairBurst: config.pairRateBurst)
        self.metrics = metrics
        self.logger = logger
    }

    /// Called after a reply is queued, so it goes out within milliseconds, not at the next poll.
    public func kick() { kicked.withLock { $0 = true } }

    public func run() async throws {
        let interrupted = try await outbox.reconcileInterruptedSends()
        if interrupted > 0 {
            logger.warning("\(interrupted) message(s) were being sent when Chorus stopped; marked for an agent to check")
        }
        // On graceful shutdown no new batch is claimed, but sends under way finish and record
        // their outcome: cancelling them would leave their rows `sending` (then `unknown`).
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let sent = (try? await sendDueBatch()) ?? 0
            if sent == 0 { await idle() }
        }
    }

    /// Waits up to 200 ms, waking within 10 ms of a kick; refreshes the queue-depth gauge.
    private func idle() async {
        if let depth = try? await outbox.queueDepth() {
            metrics.set("chorus_outbound_queue_depth", to: Double(depth))
        }
        for _ in 0..<20 {
            if kicked.withLock({ let was = $0; $0 = false; return was }) { return }
            try? await Task.sleep(for: .milliseconds(10))
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
        }
    }

    func sendDueBatch() async throws -> Int {
        let jobs = try await outbox.claimDue(limit: 32)
        guard !jobs.isEmpty else { return 0 }
        let endpoints = try await channels.endpointsByID()
        await withTaskGroup(of: Void.self) { group in
            for job in jobs {
                group.addTask { await self.send(job, endpoint: endpoints[job.channelID]) }
            }
        }
        return jobs.count
    }

    func send(_ job: OutboxRepository.Job, endpoint: GraphEndpoint?) async {
        do {
            guard let endpoint else {
                try await outbox.markFailed(messageID: job.messageID, code: nil, title: "Channel missing",
                                            details: nil, hint: "The business number of this conversation was removed.")
                return
            }
            let recipient = job.toWaID ?? job.toUserID ?? ""
            if let wait = await pacer.pairDelay(channelID: job.channelID, recipient: recipient) {
                try await outbox.scheduleRetry(messageID: job.messageID, retryAt: Clock.nowMillis() + Int64(wait * 1000),
                                               reason: "Waiting for WhatsApp's per-customer rate limit.")
                return
            }
            while let wait = await pacer.numberDelay(channelID: job.channelID) {
                try await Task.sleep(for: .seconds(wait))
            }
            var job = job
            job.content = try await uploadingMedia(job.content, endpoint: endpoint)
            let wamid = try await graph.sendMessage(endpoint, body: Self.body(for: job))
            try await outbox.markSent(messageID: job.messageID, wamid: wamid)
            metrics.increment("chorus_outbound_total", labels: ["outcome": "sent"])
        } catch let error as GraphError {
            await handle(error, job: job)
        } catch {
            logger.error("outbound message \(job.messageID) could not be recorded: \(error)")
        }
    }

    /// A file queued by an agent is uploaded to Meta just before sending; the message then
    /// refers to Meta's media id.
    func uploadingMedia(_ content: JSONValue, endpoint: GraphEndpoint) async throws -> JSONValue {
        guard var object = content.object, let ref = object["chorus_media"]?.int else { return content }
        guard let record = try await media.find(id: ref) else {
            throw GraphError(httpStatus: nil, code: nil, message: "The file to send is missing on this server", details: nil)
        }
        let bytes = try files.read(record.sha256)
        let id = try await graph.uploadMedia(endpoint, bytes: Array(bytes), mimeType: record.mimeType,
                                             filename: object["filename"]?.string ?? "file")
        object["chorus_media"] = nil
        object["id"] = .string(id)
        return .object(object)
    }

    func handle(_ error: GraphError, job: OutboxRepository.Job) async {
        do {
            if error.outcomeUnknown {
                metrics.increment("chorus_outbound_total", labels: ["outcome": "unknown"])
                try await outbox.markUnknown(messageID: job.messageID, reason: error.message)
            } else if error.isRetryable && job.attempts < maximumAttempts {
                metrics.increment("chorus_outbound_total", labels: ["outcome": "retry"])
                try await outbox.scheduleRetry(messageID: job.messageID,
                                               retryAt: Clock.nowMillis() + Self.backoffMillis(attempt: job.attempts),
                                               reason: error.message)
            } else {
                metrics.increment("chorus_outbound_total", labels: ["outcome": "failed"])
                let hint = error.code.map { CloudAPIErrorCatalogue.entry(for: $0).hint }
                    ?? "WhatsApp could not be reached after several attempts. Try again later."
                try await outbox.markFailed(messageID: job.messageID, code: error.code, title: error.message,
                                            details: error.details, hint: hint)
            }
        } catch {
            logger.error("outbound message \(job.messageID) outcome could not be recorded: \(error)")
        }
    }

    /// 1 s, 2 s, 4 s … up to 5 minutes, with ±20 % jitter so retries do not arrive together.
    static func backoffMillis(attempt: Int) -> Int64 {
        let base = min(300_000.0, 1000 * pow(2, Double(max(0, attempt - 1))))
        return Int64(base * Double.random(in: 0.8...1.2))
    }

    /// The Graph API body: recipient, type, the stored type object and the quoted message.
    static func body(for job: OutboxRepository.Job) -> JSONValue {
        var body: [String: JSONValue] = ["recipient_type": .string("individual"), "type": .string(job.type),
                                         job.type: job.content]
        if let waID = job.toWaID { body["to"] = .string(waID) } else if let userID = job.toUserID { body["recipient"] = .string(userID) }
        if let reply = job.replyToWamid, job.type != "reaction" {
            body["context"] = .object(["message_id": .string(reply)])
        }
        return .object(body)
    }
}
