import ChorusCore

/// What each route needs, in one table: the map from the HTTP surface to the permission
/// decision. `PolicyMiddleware` enforces it before any handler runs, and the authorization
/// matrix test walks every route of openapi.json against it: a route without a rule is
/// refused here and fails that test.
enum RouteRule: Sendable, Equatable {
    /// No session needed (sign-in, webhooks, health).
    case open
    /// A workspace-level action, decided before the handler runs.
    case action(Action)
    /// An action on one conversation: the handler loads it and decides with its assignee
    /// (hidden conversations answer 404).
    case conversation(ConversationAction)

    enum ConversationAction: Sendable, Equatable {
        case view, reply, assign, update, label, delete, export

        /// The decisions the handler asks, in order.
        func actions(assignee: Int64?) -> [Action] {
            switch self {
            case .view: return [.viewConversation(assigneeID: assignee)]
            case .reply: return [.replyToConversation(assigneeID: assignee)]
            case .assign: return [.assignConversation(assigneeID: assignee)]
            case .update: return [.updateConversation(assigneeID: assignee)]
            case .label: return [.labelConversation(assigneeID: assignee)]
            case .delete: return [.deleteConversation(assigneeID: assignee)]
            case .export: return [.viewConversation(assigneeID: assignee), .exportConversations]
            }
        }
    }

    static let table: [String: RouteRule] = [
        "GET /healthz": .open,
        "GET /metrics": .open,
        "GET /openapi.json": .open,
        "GET /webhooks/whatsapp": .open,
        "POST /webhooks/whatsapp": .open,
        "POST /api/v1/sessions": .open,
        "POST /api/v1/invites/accept": .open,
        "POST /api/v1/device-links": .open,
        "POST /api/v1/device-links/{id}/claim": .open,

        "DELETE /api/v1/sessions/current": .action(.signedIn),
        "GET /api/v1/me": .action(.signedIn),
        "GET /api/v1/devices": .action(.signedIn),
        "DELETE /api/v1/devices/{id}": .action(.signedIn),
        "POST /api/v1/devices/logout-all": .action(.signedIn),
        "POST /api/v1/device-links/approve": .action(.signedIn),
        "GET /api/v1/me/two-factor": .action(.signedIn),
        "POST /api/v1/me/two-factor/totp": .action(.signedIn),
        "POST /api/v1/me/two-factor/totp/confirm": .action(.signedIn),
        "POST /api/v1/me/two-factor/totp/disable": .action(.signedIn),
        "POST /api/v1/me/two-factor/recovery-codes": .action(.signedIn),
        "PUT /api/v1/me/pin": .action(.signedIn),
        "POST /api/v1/me/step-up": .action(.signedIn),

        "GET /api/v1/members": .action(.viewTeam),
        "GET /api/v1/teams": .action(.viewTeam),
        "POST /api/v1/members": .action(.manageMembers),
        "GET /api/v1/members/{id}": .action(.manageMembers),
        "PATCH /api/v1/members/{id}": .action(.changePermissions),
        "POST /api/v1/members/{id}/deactivate": .action(.manageMembers),
        "POST /api/v1/members/{id}/logout-all": .action(.manageMembers),
        "POST /api/v1/members/import": .action(.manageMembers),
        "GET /api/v1/invites": .action(.manageMembers),
        "GET /api/v1/team/devices": .action(.manageMembers),
        "GET /api/v1/team/advisories": .action(.manageMembers),
        "POST /api/v1/team/presets/{name}/apply": .action(.manageMembers),
        "GET /api/v1/permission-templates": .action(.manageMembers),
        "POST /api/v1/permission-templates": .action(.changePermissions),
        "PUT /api/v1/permission-templates/{id}": .action(.changePermissions),
        "DELETE /api/v1/permission-templates/{id}": .action(.changePermissions),
        "GET /api/v1/permission-conflicts": .action(.manageMembers),
        "POST /api/v1/permission-conflicts/check": .action(.manageMembers),
        "GET /api/v1/audit-events": .action(.viewAuditLog),
        "GET /api/v1/audit-events/verify": .action(.viewAuditLog),
        "GET /api/v1/settings/security": .action(.manageMembers),
        "PUT /api/v1/settings/security": .action(.manageSecuritySettings),
        "GET /api/v1/settings/payment": .action(.viewPaymentSettings),
        "PUT /api/v1/settings/payment": .action(.changePaymentSettings),

        "GET /api/v1/channels": .action(.viewChannels),
        "GET /api/v1/channels/{id}/profile": .action(.viewChannels),
        "PUT /api/v1/channels/{id}/profile": .action(.editBusinessProfile),
        "GET /api/v1/templates": .action(.viewChannels),
        "POST /api/v1/templates/sync": .action(.manageChannels),  // spends Graph quota, rewrites the shared catalogue
        "GET /api/v1/diagnostics/webhooks": .action(.manageChannels),

        "GET /api/v1/conversations": .action(.listConversations),
        "GET /api/v1/events": .action(.listConversations),
        "GET /api/v1/conversations/{id}": .conversation(.view),
        "DELETE /api/v1/conversations/{id}": .conversation(.delete),
        "GET /api/v1/conversations/{id}/messages": .conversation(.view),
        "POST /api/v1/conversations/{id}/messages": .conversation(.reply),
        "POST /api/v1/conversations/{id}/read": .conversation(.view),
        "POST /api/v1/conversations/{id}/typing": .conversation(.reply),
        "GET /api/v1/conversations/{id}/export": .conversation(.export),
        "GET /api/v1/media/{id}": .conversation(.view),
        "GET /api/v1/inbox/counts": .action(.listConversations),
        "GET /api/v1/exports/conversations": .action(.exportConversations),
        "GET /api/v1/search": .action(.listConversations),
        "GET /api/v1/sync": .action(.listConversations),
        "GET /api/v1/contacts/{id}": .action(.listConversations),
        "POST /api/v1/conversations/{id}/assignment": .conversation(.assign),
        "GET /api/v1/conversations/{id}/assignments": .conversation(.view),
        "POST /api/v1/conversations/{id}/status": .conversation(.update),
        "PUT /api/v1/conversations/{id}/labels": .conversation(.label),
        "GET /api/v1/conversations/{id}/notes": .conversation(.view),
        "POST /api/v1/conversations/{id}/notes": .conversation(.update),
        "GET /api/v1/labels": .action(.listConversations),
        "POST /api/v1/labels": .action(.manageLabels),
        "DELETE /api/v1/labels/{id}": .action(.manageLabels),
        "GET /api/v1/quick-replies": .action(.listConversations),
        "POST /api/v1/quick-replies": .action(.manageQuickReplies),
        "PUT /api/v1/quick-replies/{id}": .action(.manageQuickReplies),
        "DELETE /api/v1/quick-replies/{id}": .action(.manageQuickReplies),
    ]

    static func key(method: String, path: String) -> String {
        "\(method) " + (path.hasPrefix("/") ? path : "/" + path)
    }
}
