/// A write request with the ticket its commit will report.
struct TicketedWrite: Sendable {
    let ticket: WriteTicket
    let operation: WriteOperation
}
