import ChorusCore
import ChorusWhatsApp

extension GraphError {
    /// How a failed Graph call made on a member's behalf is answered: 502, with Meta's words
    /// and what to do about them.
    var apiError: ChorusError {
        let hint = code.map { CloudAPIErrorCatalogue.entry(for: $0).hint } ?? "WhatsApp could not be reached. Try again in a moment."
        return ChorusError(status: 502, code: "whatsapp_error", message: "\(message) — \(hint)")
    }
}
