using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shisa.Appliance.Web;

/// <summary>
/// The local status page and APIs of DESIGN 8, on Kestrel inside the appliance process:
/// <c>/</c>, <c>/api/status</c>, <c>/api/events</c> (server-sent events) and <c>/metrics</c>.
/// </summary>
public sealed class StatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StatusServer(WebApplication app) => _app = app;

    /// <summary>The address actually bound (port 0 in the profile picks a free one).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public static async Task<StatusServer> StartAsync(IPEndPoint listen, IStatusSource source, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "shisa" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(source);
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));

        var app = builder.Build();
        Map(app, source);
        var server = new StatusServer(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Urls.FirstOrDefault() ?? $"http://{listen}";
        server.BaseAddress = new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    private static void Map(WebApplication app, IStatusSource source)
    {
        var page = LoadPage();
        // RequestDelegate handlers: no reflection over delegates, so the server stays trimmable and AOT-safe.
        app.MapGet("/", (RequestDelegate)(context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(page, context.RequestAborted);
        }));
        app.MapGet("/api/status", (RequestDelegate)(context =>
            context.Response.WriteAsJsonAsync(source.Capture(), StatusJsonContext.Default.StatusSnapshot, contentType: null, cancellationToken: context.RequestAborted)));
        app.MapGet("/metrics", (RequestDelegate)(context =>
        {
            context.Response.ContentType = MetricsWriter.ContentType;
            return context.Response.WriteAsync(MetricsWriter.Write(source.Capture()), context.RequestAborted);
        }));
        app.MapGet("/api/events", (RequestDelegate)(async context =>
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.WriteAsync(": shisa bus\n\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                await foreach (var e in source.FollowEvents(context.RequestAborted).ConfigureAwait(false))
                {
                    var json = JsonSerializer.Serialize(e, StatusJsonContext.Default.BusEvent);
                    await context.Response.WriteAsync($"id: {e.Sequence}\nevent: {e.Type}\ndata: {json}\n\n", context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away or the appliance is stopping.
            }
        }));
    }

    private static string LoadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Shisa.Appliance.Web.status.html")
            ?? throw new InvalidOperationException("status page resource missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
