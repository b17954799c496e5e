import ChorusCore

/// What a member asks of the inbox: a view, filters and an order, inside their scope.
public struct ConversationQuery: Sendable {
    public enum View: String, Sendable, CaseIterable { case mine, unassigned, all, mentions }
    public enum Sort: String, Sendable { case activity, waiting }

    public var scope: ConversationScope
    /// The caller: "mine", "mentions" and unread flags are theirs.
    public var memberID: Int64?
    public var view: View = .all
    public var status: ConversationStatus?
    public var labelID: Int64?
    public var teamID: Int64?
    public var channelID: Int64?
    public var sort: Sort = .activity
    public var limit: Int
    public var cursor: String?

    public init(scope: ConversationScope, memberID: Int64?, view: View = .all, status: ConversationStatus? = nil,
                labelID: Int64? = nil, teamID: Int64? = nil, channelID: Int64? = nil, sort: Sort = .activity,
                limit: Int, cursor: String?) {
        self.scope = scope
        self.memberID = memberID
        self.view = view
        self.status = status
        self.labelID = labelID
        self.teamID = teamID
        self.channelID = channelID
        self.sort = sort
        self.limit = limit
        self.cursor = cursor
    }
}
