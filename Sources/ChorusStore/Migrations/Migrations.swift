/// Every schema change, in order. Append only: a released migration is never edited.
enum Migrations {
    static let all: [Migration] = [m0001CoreModel, m0002MediaState, m0003TeamSecurity, m0004Inbox, m0005SearchScope,
                                    m0006PartialMessageIndexes, m0007SnoozedIndex,
                                    m0008OutboundWamidIndex, m0009SearchPendingList, m0010LeanerIndexes,
                                    m0011MessagesByTime]
}
