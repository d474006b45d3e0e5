// Compile time of podman's default seccomp profile, the cost csrun pays on every container start.
//   dotnet run -c Release --project bench/SeccompCompileBench [-- PROFILE.json [ITERATIONS]]
// PROFILE.json is docker/podman format (default /usr/share/containers/seccomp.json).
using System.Diagnostics;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Csrun.Tests.Seccomp;

string path = args.Length > 0 ? args[0] : DockerSeccompProfile.PodmanDefaultPath;
int iterations = args.Length > 1 ? int.Parse(args[1]) : 2000;
LinuxSeccomp profile = DockerSeccompProfile.ToOciForX86_64(File.ReadAllText(path));

// The first compile also builds the syscall name tables: what a one-shot `csrun create` pays.
long start = Stopwatch.GetTimestamp();
CompiledFilter filter = SeccompCompiler.Compile(profile, SeccompArch.X86_64);
TimeSpan first = Stopwatch.GetElapsedTime(start);

for (int i = 0; i < 200; i++)
    SeccompCompiler.Compile(profile, SeccompArch.X86_64);

var samples = new double[iterations];
for (int i = 0; i < iterations; i++)
{
    start = Stopwatch.GetTimestamp();
    SeccompCompiler.Compile(profile, SeccompArch.X86_64);
    samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
}
Array.Sort(samples);

Console.WriteLine($"profile:       {path} ({profile.Syscalls?.Count ?? 0} rules, architectures {string.Join(",", profile.Architectures ?? [])})");
Console.WriteLine($"instructions:  {filter.Program.Length}");
Console.WriteLine($"first compile: {first.TotalMicroseconds:F0} us (tables built, JIT)");
Console.WriteLine($"median:        {samples[iterations / 2]:F1} us over {iterations} compiles (p10 {samples[iterations / 10]:F1}, p90 {samples[iterations * 9 / 10]:F1})");
