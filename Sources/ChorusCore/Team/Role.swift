/// The four built-in roles. Their default permission sets come from the seed document
/// (PRODUCT.md §2); templates and per-member overrides fine-tune them within the role's ceiling.
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin, supervisor, standard, restricted

    public var defaultPermissions: Set<Permission> {
        switch self {
        case .admin:
            return Set(Permission.allCases)
        case .supervisor:
            return [.sendMessages, .viewAllConversations, .viewCustomerCatalog, .manageLabels,
                    .sendBroadcasts, .setAutoReplies, .exportChatHistory, .manageRouting, .assignConversations]
        case .standard:
            return [.sendMessages, .viewAllConversations, .viewCustomerCatalog, .manageLabels,
                    .assignConversations]
        case .restricted:
            return [.sendMessages]
        }
    }

    /// The most a member of this role may ever hold. A template or override granting more has
    /// no effect, and the conflict check reports it: a Restricted member cannot be made an admin
    /// by a template applied to the wrong person.
    public var ceiling: Set<Permission> {
        switch self {
        case .admin:
            return Set(Permission.allCases)
        case .supervisor:
            return Set(Permission.allCases).subtracting([.manageMembers, .manageChannels])
        case .standard:
            return Set(Permission.allCases).subtracting([.manageMembers, .manageChannels, .manageRouting, .payment])
        case .restricted:
            return [.sendMessages, .viewCustomerCatalog]
        }
    }
}

/// Switchable rights. The raw values are the public names used in the API and in templates.
public enum Permission: String, Sendable, Codable, CaseIterable, Comparable {
    case sendMessages = "send_messages"
    case viewAllConversations = "view_all_conversations"
    case assignConversations = "assign_conversations"
    case editBusinessProfile = "edit_business_profile"
    case deleteChatHistory = "delete_chat_history"
    case sendBroadcasts = "send_broadcasts"
    case viewCustomerCatalog = "view_customer_catalog"
    case setAutoReplies = "set_auto_replies"
    case payment = "payment"
    case manageMembers = "manage_members"
    case exportChatHistory = "export_chat_history"
    case manageLabels = "manage_labels"
    case manageRouting = "manage_routing"
    case manageChannels = "manage_channels"

    public static func < (a: Permission, b: Permission) -> Bool { a.rawValue < b.rawValue }

    /// Rights that change shared data (the "2" of the 3-2-1 rule).
    public static let modifiesData: Set<Permission> = [.editBusinessProfile, .setAutoReplies, .manageRouting,
                                                       .manageMembers, .manageChannels, .payment]
}

/// A reusable set of adjustments ("CS Night Shift"): rights added and removed on top of the role,
/// and optionally the daily window in which the member may send messages.
public struct PermissionAdjustments: Sendable, Equatable {
    public var grants: Set<Permission>
    public var revokes: Set<Permission>
    public var sendWindow: TimeWindow?

    public init(grants: Set<Permission> = [], revokes: Set<Permission> = [], sendWindow: TimeWindow? = nil) {
        self.grants = grants
        self.revokes = revokes
        self.sendWindow = sendWindow
    }

    /// The rights in force: role defaults, then the template, then per-member overrides (last
    /// word), all capped by the role's ceiling.
    public static func effective(role: Role, template: PermissionAdjustments?, overrides: [Permission: Bool]) -> Set<Permission> {
        var rights = role.defaultPermissions
        if let template {
            rights.formUnion(template.grants)
            rights.subtract(template.revokes)
        }
        for (permission, granted) in overrides {
            if granted { rights.insert(permission) } else { rights.remove(permission) }
        }
        return rights.intersection(role.ceiling)
    }
}
