import CLibFuzzer
import Foundation

// hone-fuzz: libFuzzer targets over hone's readers and parsers (scripts/fuzz runs them).
//
//   hone-fuzz list                          the targets, one per line: NAME<TAB>summary
//   hone-fuzz seeds NAME ROOT SHARED DIR    writes NAME's seed corpus into DIR
//   hone-fuzz options NAME                  the libFuzzer options NAME always runs with
//   hone-fuzz NAME [libFuzzer arguments]    fuzzes (or, given files, runs them once each)

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("hone-fuzz: \(message)\n".utf8))
    exit(2)
}

func target(_ name: String) -> FuzzTarget {
    guard let target = FuzzTargets.named(name) else {
        fail("no target `\(name)`; the targets are \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    }
    return target
}

/// The target libFuzzer's callback runs; set once, before the driver starts.
nonisolated(unsafe) var selected: FuzzTarget!

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: hone-fuzz list | seeds NAME ROOT SHARED DIR | options NAME | NAME [libFuzzer arguments]") }
switch arguments[1] {
case "list":
    for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
case "options":
    guard arguments.count == 3 else { fail("usage: hone-fuzz options NAME") }
    print(target(arguments[2]).options.joined(separator: " "))
case "seeds":
    guard arguments.count == 6 else { fail("usage: hone-fuzz seeds NAME ROOT SHARED DIR") }
    let count = SeedCorpus.write(target(arguments[2]), repository: arguments[3], shared: arguments[4], into: arguments[5])
    print("\(arguments[2]): \(count) seeds")
default:
    // libFuzzer sees argv without the target name. Some of its modes (-minimize_crash, -fork)
    // run this program again with that argv, so the name also goes to them in the environment.
    let inherited = ProcessInfo.processInfo.environment["HONE_FUZZ_TARGET"]
    let named = FuzzTargets.named(arguments[1]) != nil || inherited == nil
    selected = target(named ? arguments[1] : inherited!)
    setenv("HONE_FUZZ_TARGET", selected.name, 1)
    guard hone_libfuzzer_is_linked() != 0 else {
        fail("this hone-fuzz was built without libFuzzer; scripts/fuzz builds and links it (swift build alone cannot)")
    }
    var driverArguments = [arguments[0]] + arguments.dropFirst(named ? 2 : 1)
    var cArguments: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
    var argc = Int32(driverArguments.count)
    let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var argv = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            selected.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
    driverArguments.removeAll()
    exit(status)
}
