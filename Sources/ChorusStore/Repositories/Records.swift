import ChorusCore

/// A WhatsApp business number Chorus answers for. Secrets stay in the store; `ChannelSummary`
/// is what the API shows.
public struct ChannelRecord: Sendable, Equatable {
    public var id: Int64
    public var phoneNumberID: String
    public var wabaID: String
    public var displayNumber: String
    public var name: String
    public var accessToken: String
    public var appSecret: String
    public var verifyToken: String
    public var graphURL: String
    public var apiVersion: String
    public var messagesPerSecond: Int

    public var summary: ChannelSummary {
        ChannelSummary(id: id, phoneNumberId: phoneNumberID, wabaId: wabaID, displayNumber: displayNumber,
                       name: name, graphUrl: graphURL, apiVersion: apiVersion, messagesPerSecond: messagesPerSecond)
    }
}

public struct ChannelSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var phoneNumberId: String
    public var wabaId: String
    public var displayNumber: String
    public var name: String
    public var graphUrl: String
    public var apiVersion: String
    public var messagesPerSecond: Int
}

public struct NewChannel: Sendable {
    public var phoneNumberID: String
    public var wabaID: String
    public var displayNumber: String
    public var name: String
    public var accessToken: String
    public var appSecret: String
    public var verifyToken: String
    public var graphURL: String
    public var apiVersion: String

    public init(phoneNumberID: String, wabaID: String, displayNumber: String, name: String = "",
                accessToken: String, appSecret: String, verifyToken: String,
                graphURL: String = "https://graph.facebook.com", apiVersion: String = "v23.0") {
        self.phoneNumberID = phoneNumberID
        self.wabaID = wabaID
        self.displayNumber = displayNumber
        self.name = name
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.graphURL = graphURL
        self.apiVersion = apiVersion
    }
}

public struct MemberRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var email: String
    public var name: String
    public var role: Role
    public var active: Bool
    public var createdAt: Int64
    public var templateId: Int64?
    public var twoFactorEnabled: Bool
    public var deactivatedAt: Int64?
}

public struct DeviceRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var memberId: Int64
    public var deviceClass: DeviceClass
    public var os: String
    public var osVersion: String
    public var browser: String
    public var ip: String
    public var createdAt: Int64
    public var lastSeenAt: Int64
}

public struct ContactSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var waId: String?
    public var userId: String?
    public var name: String?
    public var username: String?
}

public struct ConversationSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var channelId: Int64
    public var status: ConversationStatus
    public var assigneeId: Int64?
    public var teamId: Int64?
    public var contact: ContactSummary
    public var lastMessageAt: Int64
    public var lastInboundAt: Int64?
    public var lastMessagePreview: String
    public var version: Int64
    public var snoozedUntil: Int64?
    /// Free text may be sent until this time (24 h after the customer's last message); nil:
    /// the window is closed and only templates may be sent.
    public var windowOpenUntil: Int64?
    /// Whether the customer wrote since the caller last read it (lists only).
    public var unread: Bool?
    public var labelIds: [Int64] = []
}

public struct MessageRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var conversationId: Int64
    public var wamid: String?
    public var direction: MessageDirection
    public var type: String
    public var status: MessageStatus
    public var text: String?
    public var content: JSONValue
    public var replyToWamid: String?
    public var senderMemberId: Int64?
    public var timestamp: Int64
    public var error: MessageErrorInfo?
    /// The stored file, served at `/api/v1/media/{mediaRef}` once `mediaStatus` is `stored`.
    public var mediaRef: Int64?
    /// `pending` (being fetched from Meta), `stored` or `failed`; nil without media.
    public var mediaStatus: String?
}

public struct MessageErrorInfo: Sendable, Codable, Equatable {
    public var code: Int?
    public var title: String?
    public var details: String?
    public var hint: String?
}

/// A page of results and where the next one starts (nil: no more).
public struct Page<Item: Sendable & Codable & Equatable>: Sendable, Codable, Equatable {
    public var items: [Item]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// `nextCursor` is always present: `null` says "no more pages" explicitly.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
