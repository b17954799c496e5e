import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Foundation
import HTTPTypes
import Hummingbird

/// `GET/POST /webhooks/whatsapp`: Meta's verification handshake and signed notifications.
struct WebhookController: Sendable {
    let channels: ChannelDirectory
    /// Stores webhooks in group commits; it wakes the event pump after each (`onCommitted`).
    let committer: GroupCommitter
    let metrics: Metrics
    let maxBytes: Int

    /// Echoes `hub.challenge` when the verify token matches any channel's.
    func verify(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard query["hub.mode"].map(String.init) == "subscribe",
              let token = query["hub.verify_token"].map(String.init),
              let challenge = query["hub.challenge"].map(String.init),
              try await channels.list().contains(where: { $0.verifyToken == token }) else {
            throw ChorusError(status: 403, code: "verification_failed", message: "The verify token does not match.")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    func receive(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            metrics.increment("chorus_webhook_rejected_total", labels: ["reason": "too_large"])
            throw ChorusError(status: 413, code: "body_too_large", message: "Webhook bodies are limited to \(maxBytes) bytes.")
        }
        let known = try await channels.signers()
        switch Self.judge(body: Data(buffer.readableBytesView), signature: request.headers[Self.signatureHeader], signers: known) {
        case .refuse(let error, let reason):
            metrics.increment("chorus_webhook_rejected_total", labels: ["reason": reason])
            throw error
        case .store(let batch):
            record(try await committer.commit(batch))
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "OK")))
        }
    }

    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    /// What a webhook comes to before anything is stored: its batch, or the error to answer
    /// with and the reason it is counted under.
    enum Verdict {
        case store(InboundBatch)
        case refuse(ChorusError, reason: String)
    }

    static func judge(body: Data, signature: String?, signers known: [ChannelDirectory.Signer]) -> Verdict {
        guard let signature else {
            return .refuse(ChorusError(status: 401, code: "invalid_signature", message: "X-Hub-Signature-256 is missing."), reason: "unsigned")
        }
        let claimed = WebhookSignature.claimedMAC(signature)
        let signs = { (signer: ChannelDirectory.Signer) -> Bool in
            claimed.map { WebhookSignature.isValid($0, body: body, key: signer.key) } ?? false
        }
        let badSignature = ChorusError(status: 401, code: "invalid_signature", message: "The signature does not match.")
        let parsed: WebhookParser.Parsed
        do {
            parsed = try WebhookParser.parse(body)
        } catch {
            // Only a correctly signed sender learns that its JSON was malformed.
            return known.contains(where: signs)
                ? .refuse(ChorusError.badRequest("malformed_json", "The webhook body is not valid JSON."), reason: "malformed")
                : .refuse(badSignature, reason: "bad_signature")
        }
        // The payload must be signed by the app of EVERY number it addresses, so one app's
        // secret cannot write into another app's number.
        let addressed = known.filter { parsed.phoneNumberIDs.contains($0.channel.phoneNumberID) || parsed.wabaIDs.contains($0.channel.wabaID) }
        let valid = addressed.isEmpty ? known.contains(where: signs) : addressed.allSatisfy(signs)
        return valid ? .store(parsed.batch) : .refuse(badSignature, reason: "bad_signature")
    }

    /// Counts what a committed webhook did.
    func record(_ outcome: IngestRepository.Outcome) {
        // Only what happened is counted (each call builds its labels; this runs for every webhook).
        if !outcome.storedMessages.isEmpty {
            metrics.increment("chorus_webhook_messages_total", labels: ["outcome": "stored"], by: Double(outcome.storedMessages.count))
        }
        if outcome.duplicateMessages > 0 {
            metrics.increment("chorus_webhook_messages_total", labels: ["outcome": "duplicate"], by: Double(outcome.duplicateMessages))
        }
        if outcome.statusesApplied > 0 {
            metrics.increment("chorus_webhook_statuses_total", labels: ["outcome": "applied"], by: Double(outcome.statusesApplied))
        }
        if outcome.duplicateStatuses > 0 {
            metrics.increment("chorus_webhook_statuses_total", labels: ["outcome": "duplicate"], by: Double(outcome.duplicateStatuses))
        }
        if outcome.unhandled > 0 { metrics.increment("chorus_webhook_unhandled_total", by: Double(outcome.unhandled)) }
    }
}
