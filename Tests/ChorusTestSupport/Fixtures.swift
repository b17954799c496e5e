import ChorusCore
import ChorusStore

/// Small builders for test data, so each test states only what matters to it.
public enum Fixtures {
    public static func channel(_ phoneNumberID: String = "100000000000001", wabaID: String = "200000000000001",
                               secret: String = "test-secret", graphURL: String = "http://127.0.0.1:1") -> NewChannel {
        NewChannel(phoneNumberID: phoneNumberID, wabaID: wabaID, displayNumber: "+1 555 0100", name: "Test",
                   accessToken: "test-token", appSecret: secret, verifyToken: "verify-me", graphURL: graphURL)
    }

    public static func inbound(_ wamid: String, from waID: String = "15550001111", text: String = "hello",
                               phoneNumberID: String = "100000000000001", at seconds: Int64 = 1_700_000_000,
                               type: String = "text") -> InboundMessage {
        InboundMessage(phoneNumberID: phoneNumberID, wamid: wamid, dedupeKey: wamid,
                       customer: CustomerIdentity(waID: waID, userID: nil, name: "Customer \(waID)"),
                       type: type, text: text, timestampMillis: seconds * 1000, replyToWamid: nil, mediaID: nil,
                       raw: .object(["id": .string(wamid), "type": .string(type)]))
    }

    public static func batch(_ messages: [InboundMessage] = [], statuses: [StatusUpdate] = []) -> InboundBatch {
        var batch = InboundBatch()
        batch.messages = messages
        batch.statuses = statuses
        return batch
    }

    public static func status(_ wamid: String, _ status: MessageStatus, phoneNumberID: String = "100000000000001",
                              errorCode: Int? = nil) -> StatusUpdate {
        StatusUpdate(phoneNumberID: phoneNumberID, wamid: wamid, status: status, timestampMillis: 1_700_000_100_000,
                     recipient: CustomerIdentity(waID: "15550001111", userID: nil), errorCode: errorCode,
                     errorTitle: errorCode.map { "Error \($0)" }, errorDetails: nil,
                     raw: .object(["id": .string(wamid), "status": .string(status.rawValue)]))
    }
}
