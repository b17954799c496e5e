/// Waking snoozed conversations looked at every conversation (a full scan inside a write
/// transaction, 8–10 ms on 100,000 conversations, every webhook behind it waiting); only the
/// snoozed ones enter this index.
let m0007SnoozedIndex = Migration(version: 7, name: "index of snoozed conversations", sql: """
CREATE INDEX conversations_snoozed ON conversations(snoozed_until) WHERE status = 'snoozed'
""")
