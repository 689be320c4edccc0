/// One write request on its way to the writer thread; plain values only, so it may cross threads.
enum WriteOperation: Sendable {
    case append(RecordID, NewRecord)
    case delete([RecordID])
    case update(RecordID, RecordUpdate)

    var isAppend: Bool {
        if case .append = self { return true }
        return false
    }
}
