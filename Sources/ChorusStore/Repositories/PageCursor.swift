/// Keyset pagination: a cursor names the (time, id) of the last item returned, so pages stay
/// stable while new rows arrive. The text form is opaque to clients.
struct PageCursor: Equatable {
    var time: Int64
    var id: Int64

    init(time: Int64, id: Int64) {
        self.time = time
        self.id = id
    }

    init?(_ text: String?) {
        guard let text, !text.isEmpty else { return nil }
        let parts = text.split(separator: "_")
        guard parts.count == 2, let time = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        self.init(time: time, id: id)
    }

    var text: String { "\(time)_\(id)" }
}
