import Foundation
/// Just enough multipart/form-data parsing for the simulator's media upload endpoint.
enum Multipart {
    struct Part {
        var name: String
        var contentType: String?
        var body: [UInt8]
    }

    static func parse(_ body: [UInt8], contentType: String) -> [Part]? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        let boundary = Array(("--" + contentType[range.upperBound...].trimmingCharacters(in: .init(charactersIn: "\""))).utf8)
        var parts: [Part] = []
        var positions: [Int] = []
        var index = 0
        while index + boundary.count <= body.count {
            if body[index] == boundary[0] && Array(body[index..<index + boundary.count]) == boundary {
                positions.append(index)
                index += boundary.count
            } else {
                index += 1
            }
        }
        for (start, end) in zip(positions, positions.dropFirst()) {
            var section = Array(body[(start + boundary.count)..<end])
            if section.starts(with: [13, 10]) { section.removeFirst(2) }
            if section.suffix(2) == [13, 10] { section.removeLast(2) }
            guard let split = firstIndex(of: [13, 10, 13, 10], in: section) else { continue }
            let headers = String(decoding: section[..<split], as: UTF8.self)
            let content = Array(section[(split + 4)...])
            var name = ""
            var type: String? = nil
            for line in headers.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition"), let r = line.range(of: "name=\"") {
                    name = String(line[r.upperBound...].prefix { $0 != "\"" })
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(Part(name: name, contentType: type, body: content))
        }
        return parts
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<i + needle.count]) == needle { return i }
        return nil
    }
}
