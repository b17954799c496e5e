import ChorusCore
import ChorusStore
import Hummingbird

/// `GET /api/v1/diagnostics/webhooks`: webhook health for members who manage channels —
/// the last delivery, refused requests by reason, and what was kept but not understood.
struct DiagnosticsController {
    let diagnostics: DiagnosticsRepository
    let metrics: Metrics

    func webhooks(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .manageChannels).enforce(what: "Diagnostics")
        struct Body: Encodable {
            var health: DiagnosticsRepository.WebhookHealth
            var rejectedSinceStart: [String: Int]
        }
        var rejected: [String: Int] = [:]
        for reason in ["unsigned", "bad_signature", "malformed", "too_large"] {
            rejected[reason] = Int(metrics.value("chorus_webhook_rejected_total", labels: ["reason": reason]))
        }
        return try JSONBody.response(Body(health: try await diagnostics.webhookHealth(), rejectedSinceStart: rejected))
    }
}
