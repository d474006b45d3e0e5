using System.Text;
using System.Text.Json;

namespace Csrun.Cli;

/// <summary>
/// runc's logging contract: without --log, errors go to stderr as one logrus-style text line;
/// with --log FILE, the file gets the line (JSON with --log-format json: level, msg, time) and
/// stderr gets the bare message. The file is created even when nothing fails: the containerd
/// shim reads it and reports "unable to retrieve OCI runtime error" when it is missing.
/// Writes go straight to the fds: Console costs a thread and milliseconds.
/// </summary>
public sealed class Log
{
    private readonly string? _path;
    private readonly bool _json;
    public bool Debug { get; }

    public Log(string? path, string? format, bool debug)
    {
        _path = string.IsNullOrEmpty(path) ? null : path;
        _json = format == "json";
        Debug = debug;
        if (_path is not null)
        {
            try { using var _ = new FileStream(_path, FileMode.Append, FileAccess.Write); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _path = null; }
        }
    }

    public static string Timestamp() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public void Error(string message)
    {
        message = message.Replace('\n', ' ').TrimEnd();
        if (_path is null)
        {
            WriteStderr(TextLine("error", message));
            return;
        }
        Append(_json ? JsonLine("error", message) : TextLine("error", message));
        WriteStderr(message + "\n");
    }

    /// <summary>Something went wrong but the command goes on (a failing poststop hook).</summary>
    public void Warn(string message)
    {
        message = message.Replace('\n', ' ').TrimEnd();
        if (_path is null) WriteStderr(TextLine("warning", message));
        else Append(_json ? JsonLine("warning", message) : TextLine("warning", message));
    }

    public void DebugLine(string message)
    {
        if (!Debug) return;
        if (_path is null) WriteStderr(TextLine("debug", message));
        else Append(_json ? JsonLine("debug", message) : TextLine("debug", message));
    }

    private static string TextLine(string level, string message) =>
        $"time=\"{Timestamp()}\" level={level} msg=\"{message.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"\n";

    public static string JsonLine(string level, string message)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("level", level);
            w.WriteString("msg", message);
            w.WriteString("time", Timestamp());
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private void Append(string line)
    {
        try { File.AppendAllText(_path!, line); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { WriteStderr(line); }
    }

    public static void WriteStderr(string text) => Output.Write(2, text);
}

/// <summary>Direct writes to stdout/stderr.</summary>
public static class Output
{
    public static void Write(int fd, string text)
    {
        try { Csrun.Runtime.Linux.Sys.WriteAll(fd, Encoding.UTF8.GetBytes(text), fd == 1 ? "stdout" : "stderr"); }
        catch (Csrun.Runtime.Linux.SyscallException) { /* a closed stdout is not worth a second error */ }
    }

    public static void Out(string text) => Write(1, text);
}
