#if canImport(Glibc)
    import Glibc
#endif

/// Seconds since the Unix epoch, now.
func currentUnixTime() -> Int64 { Int64(time(nil)) }

/// Unix time of a UTC calendar date (proleptic Gregorian; Howard Hinnant's days-from-civil).
func unixTime(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let monthIndex = month > 2 ? month - 3 : month + 9
    let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = Int64(era) * 146097 + Int64(dayOfEra) - 719468
    return days * 86400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
}

/// "2026-11-24T10:00:01Z" for messages.
func formatUnixTime(_ seconds: Int64) -> String {
    var value = time_t(seconds)
    var parts = tm()
    gmtime_r(&value, &parts)
    func pad(_ number: Int32, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
}
