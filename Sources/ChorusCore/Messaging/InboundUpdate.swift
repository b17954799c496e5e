/// A customer as WhatsApp identifies them: by phone (`wa_id`), by business-scoped user id
/// (BSUID, 2026), or both. Either may be missing (reference §1.5).
public struct CustomerIdentity: Sendable, Equatable, Hashable {
    public var waID: String?
    public var userID: String?
    public var name: String?
    public var username: String?

    public init(waID: String?, userID: String?, name: String? = nil, username: String? = nil) {
        self.waID = waID?.isEmpty == true ? nil : waID
        self.userID = userID?.isEmpty == true ? nil : userID
        self.name = name
        self.username = username
    }

    public var isEmpty: Bool { waID == nil && userID == nil }
}

/// One inbound customer message, normalised from a webhook, ready to store.
public struct InboundMessage: Sendable, Equatable {
    public var phoneNumberID: String
    public var wamid: String
    /// Inbound from the customer, or outbound when it is an echo of a message the business sent
    /// from the WhatsApp Business app on the same number (coexistence, `smb_message_echoes`).
    public var direction: MessageDirection = .inbound
    /// What deduplicates a redelivery: the wamid, plus the emoji for reactions, whose add and
    /// removal can share one wamid.
    public var dedupeKey: String
    public var customer: CustomerIdentity
    public var type: String
    /// Searchable, human-readable text: the body, a caption, a button title, a location name…
    public var text: String?
    /// Meta's timestamp, in milliseconds since 1970. The message time, never the arrival time.
    public var timestampMillis: Int64
    public var replyToWamid: String?
    public var mediaID: String?
    /// The whole message object as Meta sent it.
    public var raw: JSONValue { didSet { rawText = raw.serialized } }
    /// `raw` as JSON text, made once where the webhook is parsed (many requests in parallel),
    /// not in the store's one writer transaction.
    public private(set) var rawText: String

    public init(phoneNumberID: String, wamid: String, dedupeKey: String, customer: CustomerIdentity,
                type: String, text: String?, timestampMillis: Int64, replyToWamid: String?,
                mediaID: String?, raw: JSONValue) {
        self.phoneNumberID = phoneNumberID
        self.wamid = wamid
        self.dedupeKey = dedupeKey
        self.customer = customer
        self.type = type
        self.text = text
        self.timestampMillis = timestampMillis
        self.replyToWamid = replyToWamid
        self.mediaID = mediaID
        self.raw = raw
        self.rawText = raw.serialized
    }
}

/// A delivery status for a message the business sent.
public struct StatusUpdate: Sendable, Equatable {
    public var phoneNumberID: String
    public var wamid: String
    public var status: MessageStatus
    public var timestampMillis: Int64
    public var recipient: CustomerIdentity
    public var errorCode: Int?
    public var errorTitle: String?
    public var errorDetails: String?
    public var raw: JSONValue

    public init(phoneNumberID: String, wamid: String, status: MessageStatus, timestampMillis: Int64,
                recipient: CustomerIdentity, errorCode: Int?, errorTitle: String?, errorDetails: String?,
                raw: JSONValue) {
        self.phoneNumberID = phoneNumberID
        self.wamid = wamid
        self.status = status
        self.timestampMillis = timestampMillis
        self.recipient = recipient
        self.errorCode = errorCode
        self.errorTitle = errorTitle
        self.errorDetails = errorDetails
        self.raw = raw
    }
}

/// Anything in a webhook that is not a message or a status — account updates, template
/// events, calls, marketing preferences, errors, future fields — kept whole for diagnostics
/// and for the features that read them later.
public struct OtherUpdate: Sendable, Equatable {
    public var phoneNumberID: String?
    public var wabaID: String?
    public var field: String
    /// Why it was not turned into a message or status: "field", "unknown_number", "errors"…
    public var kind: String
    public var raw: JSONValue

    public init(phoneNumberID: String?, wabaID: String?, field: String, kind: String, raw: JSONValue) {
        self.phoneNumberID = phoneNumberID
        self.wabaID = wabaID
        self.field = field
        self.kind = kind
        self.raw = raw
    }
}

/// Everything one webhook POST carried, stored in one transaction.
public struct InboundBatch: Sendable, Equatable {
    public var messages: [InboundMessage] = []
    public var statuses: [StatusUpdate] = []
    public var others: [OtherUpdate] = []

    public init() {}
    public var isEmpty: Bool { messages.isEmpty && statuses.isEmpty && others.isEmpty }
}
