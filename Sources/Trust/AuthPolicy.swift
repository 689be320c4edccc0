/// One step of the decision (pins, DANE, PKIX): either it decides, or it lets the next step run,
/// optionally leaving a note for the final reason.
protocol AuthPolicy {
    func evaluate(_ request: AuthRequest) -> PolicyStep
}

enum PolicyStep {
    case decided(AuthOutcome)
    case next(note: String?)
}
