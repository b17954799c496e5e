/// What a Cloud API error code means for an agent, and what to do about it (reference §4).
/// Codes not listed get a generic explanation that still names the code.
public enum CloudAPIErrorCatalogue {
    public enum Handling: Sendable, Equatable {
        /// Retry later with backoff: throttling or a passing outage.
        case retry
        /// Will not succeed by retrying: show the agent the explanation.
        case terminal
    }

    public struct Entry: Sendable, Equatable {
        public let handling: Handling
        public let hint: String
    }

    public static func entry(for code: Int) -> Entry {
        if let entry = entries[code] { return entry }
        return Entry(handling: .terminal,
                     hint: "WhatsApp refused this message (error \(code)). Check the message and try again, or contact an admin.")
    }

    public static func isRetryable(_ code: Int) -> Bool { entry(for: code).handling == .retry }

    static let entries: [Int: Entry] = [
        1: Entry(handling: .retry, hint: "WhatsApp had a temporary problem. Chorus retries automatically."),
        2: Entry(handling: .retry, hint: "WhatsApp's service was briefly unavailable. Chorus retries automatically."),
        4: Entry(handling: .retry, hint: "Too many API calls for this app right now. Chorus slows down and retries."),
        80007: Entry(handling: .retry, hint: "The business account hit its rate limit. Chorus slows down and retries."),
        130429: Entry(handling: .retry, hint: "This number is sending faster than WhatsApp allows. Chorus paces and retries."),
        131056: Entry(handling: .retry, hint: "Too many messages to this customer in a short time. Chorus waits and retries."),
        131000: Entry(handling: .retry, hint: "Something went wrong at WhatsApp. Chorus retries automatically."),
        131016: Entry(handling: .retry, hint: "WhatsApp's service is unavailable. Chorus retries automatically."),
        131057: Entry(handling: .retry, hint: "The account is in maintenance for a minute. Chorus retries automatically."),
        133004: Entry(handling: .retry, hint: "WhatsApp's server was briefly unavailable. Chorus retries automatically."),
        190: Entry(handling: .terminal, hint: "The channel's access token is invalid or expired. An admin must update it under Channels."),
        10: Entry(handling: .terminal, hint: "The access token lacks permission for this number. An admin must fix the app's permissions."),
        100: Entry(handling: .terminal, hint: "WhatsApp rejected a parameter of this message. Check its content."),
        131026: Entry(handling: .terminal, hint: "The message could not be delivered: the customer may not use WhatsApp, use an old version, or have blocked the business."),
        131047: Entry(handling: .terminal, hint: "More than 24 hours have passed since the customer last wrote. Send an approved template instead."),
        131049: Entry(handling: .terminal, hint: "WhatsApp chose not to deliver this marketing message. Try again later or use another template."),
        131050: Entry(handling: .terminal, hint: "The customer stopped marketing messages from this business. Do not send marketing to them."),
        131051: Entry(handling: .terminal, hint: "This message type is not supported."),
        131053: Entry(handling: .terminal, hint: "The media could not be uploaded; its file type may not match its content."),
        132000: Entry(handling: .terminal, hint: "The template's parameters do not match the approved template. Check the number of fields."),
        132001: Entry(handling: .terminal, hint: "This template does not exist in this language or is not approved. Sync templates and pick another."),
        132015: Entry(handling: .terminal, hint: "This template is paused for low quality. Use another template."),
        132016: Entry(handling: .terminal, hint: "This template is disabled. Use another template."),
        368: Entry(handling: .terminal, hint: "The business number is temporarily blocked for policy violations."),
        131031: Entry(handling: .terminal, hint: "The business account is locked. An admin must contact Meta."),
    ]
}
