import RelayCLI

#if canImport(Glibc)
    import Glibc
#endif

exit(RelayCLI.main(Array(CommandLine.arguments.dropFirst())))
