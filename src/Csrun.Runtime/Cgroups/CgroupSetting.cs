namespace Csrun.Runtime.Cgroups;

/// <summary>One value to write: the controller that owns the file, the file, the value.</summary>
public readonly record struct CgroupSetting(string Controller, string File, string Value);
