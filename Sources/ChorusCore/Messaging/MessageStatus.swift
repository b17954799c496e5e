/// Delivery state of a message. Statuses only move forward (PRODUCT.md §1): a late `delivered`
/// never overwrites `read`, whatever order Meta's webhooks arrive in.
public enum MessageStatus: String, Sendable, Codable, CaseIterable {
    case received      // inbound from a customer
    case queued        // stored, waiting for the sender
    case sending       // handed to the Graph API, outcome not yet known
    case unknown       // the process died mid-send: an agent or a status webhook decides
    case sent, delivered, read, played
    case failed

    /// Higher ranks win. `failed` outranks the in-flight states but not a later proof of
    /// delivery: a message that was read was delivered, whatever a stale failure says.
    public var rank: Int {
        switch self {
        case .received: return 0
        case .queued: return 1
        case .sending: return 2
        case .unknown: return 3
        case .sent: return 4
        case .failed: return 5
        case .delivered: return 6
        case .read: return 7
        case .played: return 8
        }
    }

    public func advanced(to next: MessageStatus) -> MessageStatus {
        next.rank > rank ? next : self
    }
}

public enum MessageDirection: String, Sendable, Codable {
    case inbound, outbound
}

public enum ConversationStatus: String, Sendable, Codable, CaseIterable {
    case open, pending, snoozed, resolved
}
