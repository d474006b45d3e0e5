using System.Collections;
using System.Reflection;
using System.Text.Json;
using Csrun.Runtime.Process;
using Csrun.Runtime.Seccomp;
using Csrun.Runtime.Spec;
using Csrun.Runtime.State;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>
/// The binary InitConfig must carry everything init can read. Rather than listing fields, the
/// tests fill EVERY public settable property of the whole InitConfig graph (found by
/// reflection, so a property someone adds to the spec model is covered the day it appears)
/// with distinct values and compare the decoded graph property by property.
/// </summary>
public class InitConfigCodecTests
{
    [Fact]
    public void Every_Property_Of_The_Model_Survives_Except_The_Parent_Only_Ones()
    {
        var filler = new Filler();
        var config = (InitConfig)filler.Fill(typeof(InitConfig), "InitConfig", depth: 0)!;

        InitConfig decoded = InitConfigCodec.Decode(InitConfigCodec.Encode(config));

        var problems = new List<string>();
        Compare(typeof(InitConfig), config, decoded, "InitConfig", problems);
        Assert.True(problems.Count == 0,
            "InitConfigCodec does not carry these (add them to Encode/Decode, or to ParentOnly if init never reads them):\n  "
            + string.Join("\n  ", problems));
        // The filler really reached the spec's leaves.
        Assert.True(filler.Leaves > 150, $"only {filler.Leaves} leaf properties filled");
    }

    [Fact]
    public void Parent_Only_Names_Exist_In_The_Model()
    {
        foreach (string name in InitConfigCodec.ParentOnly)
        {
            string[] parts = name.Split('.');
            Type? type = typeof(RuntimeSpec).Assembly.GetTypes().SingleOrDefault(t => t.Name == parts[0]);
            Assert.True(type?.GetProperty(parts[1]) is not null, $"ParentOnly names {name}, which is not a property");
        }
    }

    [Fact]
    public void Default_Spec_Round_Trips_To_The_Same_Json()
    {
        RuntimeSpec spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false);
        spec.Linux!.Resources = null; // parent-only
        var config = new InitConfig
        {
            ContainerId = "c1",
            Bundle = "/b",
            Rootfs = "/b/rootfs",
            FifoFd = 4,
            Spec = spec,
            CgroupPaths = new() { ["memory"] = "/sys/fs/cgroup/memory/x" },
            Seccomp = new SeccompPlan { Program = new byte[] { 6, 0, 0, 0, 0, 0, 0xff, 0x7f }, Flags = 1 },
            HookState = new SpecState { Id = "c1", Pid = 42, Status = "creating", Created = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc) },
        };
        InitConfig back = InitConfigCodec.Decode(InitConfigCodec.Encode(config));
        Assert.Equal(JsonSerializer.Serialize(spec, SpecJsonContext.Default.RuntimeSpec),
            JsonSerializer.Serialize(back.Spec, SpecJsonContext.Default.RuntimeSpec));
        Assert.Equal(config.Seccomp.Program, back.Seccomp!.Program);
        Assert.Equal(config.HookState.Created, back.HookState!.Created);
        Assert.Equal(DateTimeKind.Utc, back.HookState.Created.Kind);
    }

    [Fact]
    public void Truncated_Or_Foreign_Payloads_Are_Refused()
    {
        byte[] good = InitConfigCodec.Encode(new InitConfig { Spec = SpecDefaults.Create(rootless: false, 0, 0, cgroupNamespace: false) });
        for (int n = 0; n < good.Length; n += Math.Max(1, good.Length / 50))
            Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode(good.AsSpan(0, n)));
        Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode("{\"id\":\"x\"}"u8));
        Assert.Throws<InvalidDataException>(() => InitConfigCodec.Decode([.. good, 0]));
    }

    private static bool IsParentOnly(PropertyInfo p) =>
        InitConfigCodec.ParentOnly.Contains(p.DeclaringType!.Name + "." + p.Name);

    private static IEnumerable<PropertyInfo> Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0);

    private static void Compare(Type type, object? a, object? b, string path, List<string> problems)
    {
        if (a is null || b is null)
        {
            if (a is null != b is null) problems.Add($"{path}: {(a is null ? "null" : "set")} became {(b is null ? "null" : "set")}");
            return;
        }
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(t))
        {
            if (!Equals(a, b)) problems.Add($"{path}: {a} became {b}");
            return;
        }
        if (t == typeof(byte[]))
        {
            if (!((byte[])a).SequenceEqual((byte[])b)) problems.Add($"{path}: bytes differ");
            return;
        }
        if (a is IDictionary da)
        {
            var db = (IDictionary)b;
            Type valueType = t.GetGenericArguments()[1];
            if (da.Count != db.Count) { problems.Add($"{path}: {da.Count} entries became {db.Count}"); return; }
            foreach (DictionaryEntry e in da)
                Compare(valueType, e.Value, db.Contains(e.Key) ? db[e.Key] : null, $"{path}[{e.Key}]", problems);
            return;
        }
        if (a is IList la)
        {
            var lb = (IList)b;
            Type itemType = t.GetGenericArguments()[0];
            if (la.Count != lb.Count) { problems.Add($"{path}: {la.Count} items became {lb.Count}"); return; }
            for (int i = 0; i < la.Count; i++) Compare(itemType, la[i], lb[i], $"{path}[{i}]", problems);
            return;
        }
        foreach (PropertyInfo p in Properties(t))
        {
            object? va = p.GetValue(a), vb = p.GetValue(b);
            if (IsParentOnly(p))
            {
                if (vb is not null) problems.Add($"{path}.{p.Name}: parent-only but decoded as set");
                continue;
            }
            Compare(p.PropertyType, va, vb, $"{path}.{p.Name}", problems);
        }
    }

    private static bool IsLeaf(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(DateTime) || t == typeof(decimal) || t == typeof(JsonElement);

    /// <summary>Builds an object graph with a distinct value in every settable property.</summary>
    private sealed class Filler
    {
        private int _n = 1;
        public int Leaves { get; private set; }

        public object? Fill(Type type, string path, int depth)
        {
            Assert.True(depth < 12, $"{path}: the model nests deeper than the filler expects");
            Type t = Nullable.GetUnderlyingType(type) ?? type;
            int n = _n++;
            if (t == typeof(string)) { Leaves++; return $"v{n}"; }
            if (t == typeof(bool)) { Leaves++; return true; }
            if (t == typeof(byte)) { Leaves++; return (byte)n; }
            if (t == typeof(ushort)) { Leaves++; return (ushort)n; }
            if (t == typeof(short)) { Leaves++; return (short)n; }
            if (t == typeof(int)) { Leaves++; return n; }
            if (t == typeof(uint)) { Leaves++; return (uint)n; }
            if (t == typeof(long)) { Leaves++; return -1_000_000_000_000L * n; }
            if (t == typeof(ulong)) { Leaves++; return 1_000_000_000_000UL * (ulong)n; }
            if (t == typeof(DateTime)) { Leaves++; return new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(n); }
            if (t == typeof(byte[])) { Leaves++; return new byte[] { (byte)n, 0, 255 }; }
            if (t == typeof(JsonElement)) { Leaves++; return JsonDocument.Parse($"{{\"k\":{n}}}").RootElement.Clone(); }
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            {
                var list = (IList)Activator.CreateInstance(t)!;
                for (int i = 0; i < 2; i++) list.Add(Fill(t.GetGenericArguments()[0], $"{path}[{i}]", depth + 1));
                return list;
            }
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                Assert.True(t.GetGenericArguments()[0] == typeof(string), $"{path}: only string keys are expected");
                var map = (IDictionary)Activator.CreateInstance(t)!;
                for (int i = 0; i < 2; i++) map[$"k{n}_{i}"] = Fill(t.GetGenericArguments()[1], $"{path}[{i}]", depth + 1);
                return map;
            }
            Assert.True(t.IsClass && t.GetConstructor(Type.EmptyTypes) is not null,
                $"{path}: the filler does not know how to make a {t}; teach it (and InitConfigCodec)");
            object o = Activator.CreateInstance(t)!;
            foreach (PropertyInfo p in Properties(t))
                p.SetValue(o, IsParentOnly(p) ? Present(p.PropertyType) : Fill(p.PropertyType, $"{path}.{p.Name}", depth + 1));
            return o;
        }

        /// <summary>A parent-only property is set (so the test sees it dropped) but not filled.</summary>
        private static object Present(Type type)
        {
            Type t = Nullable.GetUnderlyingType(type) ?? type;
            return t == typeof(JsonElement) ? JsonDocument.Parse("{}").RootElement.Clone() : Activator.CreateInstance(t)!;
        }
    }
}
