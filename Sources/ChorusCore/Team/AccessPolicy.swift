/// Who is asking: the member behind a device session, with the rights in force right now.
public struct Actor: Sendable, Equatable {
    public let memberID: Int64
    public let deviceID: Int64
    public let role: Role
    public let permissions: Set<Permission>
    public let deviceClass: DeviceClass

    public init(memberID: Int64, deviceID: Int64, role: Role, permissions: Set<Permission>, deviceClass: DeviceClass) {
        self.memberID = memberID
        self.deviceID = deviceID
        self.role = role
        self.permissions = permissions
        self.deviceClass = deviceClass
    }
}

/// Which conversations a member may see at all. Lists, search, exports and the WebSocket all
/// apply this same scope, so a conversation hidden by id is hidden everywhere.
public enum ConversationScope: Sendable, Equatable {
    case all
    case assignedTo(memberID: Int64)
}

/// What a member wants to do.
public enum Action: Sendable, Equatable {
    case viewConversation(assigneeID: Int64?)
    case replyToConversation(assigneeID: Int64?)
    case viewChannels
    case manageChannels
    case manageMembers
    case editBusinessProfile
}

/// The one permission decision (ARCHITECTURE.md): every route asks it before touching data.
/// Pure: no I/O, so it is tested exhaustively in ChorusCoreTests.
public enum AccessPolicy {
    public static func scope(for actor: Actor) -> ConversationScope {
        actor.permissions.contains(.viewAllConversations) ? .all : .assignedTo(memberID: actor.memberID)
    }

    public static func decide(_ actor: Actor, _ action: Action) -> Decision {
        switch action {
        case .viewConversation(let assignee):
            return canSee(actor, assignee: assignee) ? .allow : .hidden
        case .replyToConversation(let assignee):
            guard canSee(actor, assignee: assignee) else { return .hidden }
            return actor.permissions.contains(.sendMessages)
                ? .allow : .deny("Your role does not allow sending messages.")
        case .viewChannels:
            return .allow
        case .manageChannels:
            return actor.permissions.contains(.manageChannels)
                ? .allow : .deny("Only members who may manage channels can do this.")
        case .manageMembers:
            return actor.permissions.contains(.manageMembers)
                ? .allow : .deny("Only members who may manage members can do this.")
        case .editBusinessProfile:
            return actor.permissions.contains(.editBusinessProfile)
                ? .allow : .deny("Only members with the Edit Business Profile permission can change the profile.")
        }
    }

    static func canSee(_ actor: Actor, assignee: Int64?) -> Bool {
        switch scope(for: actor) {
        case .all: return true
        case .assignedTo(let me): return assignee == me
        }
    }
}

public enum Decision: Sendable, Equatable {
    case allow
    /// The member may not know the thing exists: answered as 404, never 403.
    case hidden
    case deny(String)

    /// Throws the error the API answers with when the decision is not `allow`.
    public func enforce(what: String) throws(ChorusError) {
        switch self {
        case .allow: return
        case .hidden: throw ChorusError.notFound(what)
        case .deny(let why): throw ChorusError.forbidden(why)
        }
    }
}
