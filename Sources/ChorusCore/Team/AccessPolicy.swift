/// Who is asking, and when: the member behind a device session with the rights in force right
/// now, the device's class, the member's send window and the moment of the request in the
/// workspace's time zone, and how far the device has stepped up.
public struct Actor: Sendable, Equatable {
    public let memberID: Int64
    public let deviceID: Int64
    public let role: Role
    public let permissions: Set<Permission>
    public let deviceClass: DeviceClass
    public var sendWindow: TimeWindow?
    /// Minute of the day, in the workspace's time zone, at which the request arrived.
    public var localMinute: Int
    public var stepUp: StepUpLevel
    public var deviceRestrictions: DeviceRestrictions
    /// The workspace requires two-step verification and this member has not set it up yet.
    public var mustEnrollTwoFactor: Bool

    public init(memberID: Int64, deviceID: Int64, role: Role, permissions: Set<Permission>, deviceClass: DeviceClass,
                sendWindow: TimeWindow? = nil, localMinute: Int = 0, stepUp: StepUpLevel = .none,
                deviceRestrictions: DeviceRestrictions = .seed, mustEnrollTwoFactor: Bool = false) {
        self.memberID = memberID
        self.deviceID = deviceID
        self.role = role
        self.permissions = permissions
        self.deviceClass = deviceClass
        self.sendWindow = sendWindow
        self.localMinute = localMinute
        self.stepUp = stepUp
        self.deviceRestrictions = deviceRestrictions
        self.mustEnrollTwoFactor = mustEnrollTwoFactor
    }
}

/// How far a device has proven itself beyond the password, for sensitive actions.
public enum StepUpLevel: Int, Sendable, Codable, Comparable {
    case none = 0
    /// The 6-digit step-up PIN.
    case pin = 1
    /// The PIN and a code from the authenticator app (payment: "two extra verification steps").
    case pinAndCode = 2

    public static func < (a: StepUpLevel, b: StepUpLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Which conversations a member may see at all. Lists, search, exports and the WebSocket all
/// apply this same scope, so a conversation hidden by id is hidden everywhere.
public enum ConversationScope: Sendable, Equatable {
    case all
    case assignedTo(memberID: Int64)
}

/// What a member wants to do. Conversation actions carry the resource's assignee, because
/// visibility depends on it.
public enum Action: Sendable, Equatable, Hashable {
    /// Anything about one's own session: profile, devices, two-step set-up, signing out.
    case signedIn
    /// The member directory (names and roles), needed to mention and assign.
    case viewTeam
    /// Lists and search; what they show is narrowed by `scope(for:)`.
    case listConversations
    case viewConversation(assigneeID: Int64?)
    case replyToConversation(assigneeID: Int64?)
    case assignConversation(assigneeID: Int64?)
    /// Status, notes, read markers: anyone who may see the conversation.
    case updateConversation(assigneeID: Int64?)
    case labelConversation(assigneeID: Int64?)
    case manageLabels
    case manageQuickReplies
    case deleteConversation(assigneeID: Int64?)
    case exportConversations
    case viewChannels
    case manageChannels
    case editBusinessProfile
    case manageMembers
    /// Changing anyone's rights: roles, templates, overrides. Needs the step-up PIN.
    case changePermissions
    case viewPaymentSettings
    case changePaymentSettings
    case manageSecuritySettings
    case viewAuditLog

    /// What the action needs, in the order the decision checks it.
    public var requirement: Requirement {
        switch self {
        case .signedIn:
            return Requirement(permission: nil, label: "this")
        case .viewTeam:
            return Requirement(permission: nil, label: "viewing the team")
        case .listConversations:
            return Requirement(permission: nil, label: "viewing conversations")
        case .viewConversation(let assignee):
            return Requirement(permission: nil, resourceAssignee: .some(assignee), label: "viewing the conversation")
        case .replyToConversation(let assignee):
            return Requirement(permission: .sendMessages, resourceAssignee: .some(assignee), timeWindowed: true,
                               label: "sending messages")
        case .assignConversation(let assignee):
            return Requirement(permission: .assignConversations, resourceAssignee: .some(assignee), label: "assigning conversations")
        case .updateConversation(let assignee):
            return Requirement(permission: nil, resourceAssignee: .some(assignee), label: "changing the conversation")
        case .labelConversation(let assignee):
            return Requirement(permission: .manageLabels, resourceAssignee: .some(assignee), label: "labelling conversations")
        case .manageLabels:
            return Requirement(permission: .manageLabels, label: "managing labels")
        case .manageQuickReplies:
            return Requirement(permission: .setAutoReplies, label: "managing quick replies")
        case .deleteConversation(let assignee):
            return Requirement(permission: .deleteChatHistory, resourceAssignee: .some(assignee), stepUp: .pin,
                               label: "deleting chat history")
        case .exportConversations:
            return Requirement(permission: .exportChatHistory, stepUp: .pin, label: "exporting chat history")
        case .viewChannels:
            return Requirement(permission: nil, label: "viewing channels")
        case .manageChannels:
            return Requirement(permission: .manageChannels, label: "managing channels")
        case .editBusinessProfile:
            return Requirement(permission: .editBusinessProfile, label: "editing the business profile")
        case .manageMembers:
            return Requirement(permission: .manageMembers, label: "managing members")
        case .changePermissions:
            return Requirement(permission: .manageMembers, stepUp: .pin, label: "changing permissions")
        case .viewPaymentSettings:
            return Requirement(permission: .payment, label: "viewing payment settings")
        case .changePaymentSettings:
            return Requirement(permission: .payment, stepUp: .pinAndCode, label: "changing payment settings")
        case .manageSecuritySettings:
            return Requirement(permission: .manageMembers, stepUp: .pin, label: "changing security settings")
        case .viewAuditLog:
            return Requirement(permission: .manageMembers, label: "reading the audit log")
        }
    }
}

public struct Requirement: Sendable, Equatable {
    public var permission: Permission?
    /// Set for actions on one conversation: `.some(assignee)`; visibility is checked first.
    public var resourceAssignee: Int64??
    public var timeWindowed: Bool
    public var stepUp: StepUpLevel
    public var label: String

    public init(permission: Permission?, resourceAssignee: Int64?? = nil, timeWindowed: Bool = false,
                stepUp: StepUpLevel = .none, label: String) {
        self.permission = permission
        self.resourceAssignee = resourceAssignee
        self.timeWindowed = timeWindowed
        self.stepUp = stepUp
        self.label = label
    }
}

/// The one permission decision (ARCHITECTURE.md): who, what action, which resource, when and
/// from which device. Every route, WebSocket event and export asks it. Pure: no I/O, so it is
/// tested exhaustively in ChorusCoreTests.
public enum AccessPolicy {
    public static func scope(for actor: Actor) -> ConversationScope {
        actor.permissions.contains(.viewAllConversations) ? .all : .assignedTo(memberID: actor.memberID)
    }

    public static func decide(_ actor: Actor, _ action: Action) -> Decision {
        let need = action.requirement
        if let assignee = need.resourceAssignee, !canSee(actor, assignee: assignee) { return .hidden }
        if actor.mustEnrollTwoFactor && action != .signedIn {
            return .deny(code: "two_factor_enrollment_required",
                         message: "Your workspace requires two-step verification. Set it up to continue.")
        }
        if let permission = need.permission {
            guard actor.permissions.contains(permission) else {
                return .deny(code: "forbidden", message: "Your rights do not include \(need.label).")
            }
            if actor.deviceRestrictions.forbids(permission, on: actor.deviceClass) {
                return .deny(code: "device_class_forbidden",
                             message: "\(need.label.prefix(1).uppercased() + need.label.dropFirst()) is not allowed from a \(actor.deviceClass.rawValue) session.")
            }
        }
        if need.timeWindowed, let window = actor.sendWindow, !window.contains(minute: actor.localMinute) {
            return .deny(code: "outside_time_window",
                         message: "You may send messages only between \(TimeWindow.format(window.startMinute)) and \(TimeWindow.format(window.endMinute)).")
        }
        if actor.stepUp < need.stepUp { return .stepUpRequired(need.stepUp) }
        return .allow
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
    case deny(code: String, message: String)
    /// Allowed once the device proves itself with the step-up PIN (and code).
    case stepUpRequired(StepUpLevel)

    /// Throws the error the API answers with when the decision is not `allow`.
    public func enforce(what: String) throws(ChorusError) {
        switch self {
        case .allow: return
        case .hidden: throw ChorusError.notFound(what)
        case .deny(let code, let message): throw ChorusError(status: 403, code: code, message: message)
        case .stepUpRequired(let level):
            throw ChorusError(status: 403, code: "step_up_required",
                              message: level == .pinAndCode
                                ? "Confirm with your step-up PIN and a code from your authenticator app first."
                                : "Confirm with your step-up PIN first.")
        }
    }
}
