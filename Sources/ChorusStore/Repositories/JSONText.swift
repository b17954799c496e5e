import ChorusCore
import Foundation

/// JSON kept in TEXT columns. Keys are sorted so equal documents are equal text.
enum JSONText {
    static func encode(_ value: JSONValue) -> String {
        value.serialized
    }

    static func decode(_ text: String) -> JSONValue {
        (try? JSONValue.parse(text.utf8)) ?? .null
    }
}
