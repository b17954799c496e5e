/// The four built-in roles. Their default permission sets come from the seed document
/// (PRODUCT.md §2); templates and per-member overrides fine-tune them.
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
}

/// Switchable rights. The raw values are the public names used in the API and in templates.
public enum Permission: String, Sendable, Codable, CaseIterable {
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
}
