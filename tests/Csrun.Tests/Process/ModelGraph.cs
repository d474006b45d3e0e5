using System.Collections;
using System.Reflection;
using System.Text.Json;
using Xunit;

namespace Csrun.Tests.Process;

/// <summary>
/// Reflection over a model's object graph, for codecs that must carry every property: fills every
/// public settable property with a distinct value and compares two graphs property by property.
/// Properties named in <c>excluded</c> ("Type.Property") are set but not filled, and must come
/// back null.
/// </summary>
internal sealed class ModelGraph
{
    private readonly IReadOnlyList<string> _excluded;
    private int _n = 1;

    public ModelGraph(IReadOnlyList<string>? excluded = null) => _excluded = excluded ?? Array.Empty<string>();

    public int Leaves { get; private set; }

    private bool IsExcluded(PropertyInfo p) => _excluded.Contains(p.DeclaringType!.Name + "." + p.Name);

    private static IEnumerable<PropertyInfo> Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0);

    public void Compare(Type type, object? a, object? b, string path, List<string> problems)
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
            if (a is DateTime da0 && da0.Kind != ((DateTime)b).Kind) problems.Add($"{path}: DateTime kind changed");
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
            if (IsExcluded(p))
            {
                if (vb is not null) problems.Add($"{path}.{p.Name}: excluded but decoded as set");
                continue;
            }
            Compare(p.PropertyType, va, vb, $"{path}.{p.Name}", problems);
        }
    }

    private static bool IsLeaf(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(DateTime) || t == typeof(decimal) || t == typeof(JsonElement);

    /// <summary>Builds an object graph with a distinct value in every settable property.</summary>
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
            Type keyType = t.GetGenericArguments()[0];
            Assert.True(keyType == typeof(string) || keyType == typeof(int), $"{path}: only string and int keys are expected");
            var map = (IDictionary)Activator.CreateInstance(t)!;
            for (int i = 0; i < 2; i++)
                map[keyType == typeof(int) ? n * 10 + i : $"k{n}_{i}"] = Fill(t.GetGenericArguments()[1], $"{path}[{i}]", depth + 1);
            return map;
        }
        Assert.True(t.IsClass && t.GetConstructor(Type.EmptyTypes) is not null,
            $"{path}: the filler does not know how to make a {t}; teach it (and the codec)");
        object o = Activator.CreateInstance(t)!;
        foreach (PropertyInfo p in Properties(t))
            p.SetValue(o, IsExcluded(p) ? Present(p.PropertyType) : Fill(p.PropertyType, $"{path}.{p.Name}", depth + 1));
        return o;
    }

    /// <summary>An excluded property is set (so a test sees it dropped) but not filled.</summary>
    private static object Present(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(JsonElement) ? JsonDocument.Parse("{}").RootElement.Clone() : Activator.CreateInstance(t)!;
    }
}
