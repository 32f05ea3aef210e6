using SharpFuzz;
using Shisa.Fuzz;

// Shisa.Fuzz TARGET                 under afl-fuzz (fuzz/run.sh): SharpFuzz's in-process fork server, input on stdin
// Shisa.Fuzz TARGET FILE|DIR...     replays inputs (a crash directory, a corpus) without afl, in this process
// Shisa.Fuzz --list                 the target names
// Shisa.Fuzz --seed-busframe DIR     writes the busframe seeds (one frame per message type)
// Shisa.Fuzz --seed-journal DIR      writes the journal seed (a sample binding journal)
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Shisa.Fuzz TARGET [FILE|DIR ...] | --list");
    return 2;
}

if (args[0] == "--seed-busframe" && args.Length == 2)
{
    Console.WriteLine($"{BusFrameSeeds.Write(args[1])} frames written to {args[1]}");
    return 0;
}

if (args[0] == "--seed-journal" && args.Length == 2)
{
    JournalTarget.WriteSeed(args[1]);
    Console.WriteLine($"a sample journal written to {args[1]}");
    return 0;
}

if (args[0] == "--list")
{
    foreach (var name in FuzzTargets.Names)
    {
        Console.WriteLine(name);
    }

    return 0;
}

if (!FuzzTargets.TryGet(args[0], out var create))
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; one of: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}

if (args.Length == 1)
{
    // Created inside Fuzzer.Run: instrumented code must not run before SharpFuzz attaches afl's shared memory.
    FuzzTarget? fuzzed = null;
    Fuzzer.Run(stream =>
    {
        fuzzed ??= create();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        fuzzed(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}

var target = create();
int replayed = 0;
foreach (var path in args.Skip(1))
{
    var files = Directory.Exists(path) ? Directory.GetFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "README.txt").Order().ToArray() : [path];
    foreach (var file in files)
    {
        target(File.ReadAllBytes(file));
        replayed++;
    }
}

Console.WriteLine($"{args[0]}: {replayed} inputs replayed, no crash");
return 0;
