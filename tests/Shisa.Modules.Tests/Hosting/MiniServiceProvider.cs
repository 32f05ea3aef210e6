using Microsoft.Extensions.DependencyInjection;

namespace Shisa.Modules.Tests.Hosting;

/// <summary>
/// Enough of a service provider for the registration tests: singletons by instance, factory or type, and
/// IEnumerable of a service. The real container lives in the appliance; the tests only see the abstractions.
/// </summary>
internal sealed class MiniServiceProvider(IServiceCollection services) : IServiceProvider, IDisposable
{
    private readonly List<ServiceDescriptor> _descriptors = [.. services];
    private readonly Dictionary<ServiceDescriptor, object> _singletons = [];

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IServiceProvider))
        {
            return this;
        }

        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GetGenericArguments()[0];
            var all = _descriptors.Where(d => d.ServiceType == element).Select(Resolve).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            Array.Copy(all, array, all.Length);
            return array;
        }

        var descriptor = _descriptors.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Resolve(descriptor);
    }

    public void Dispose()
    {
    }

    private object Resolve(ServiceDescriptor descriptor)
    {
        if (!_singletons.TryGetValue(descriptor, out var instance))
        {
            instance = descriptor.ImplementationInstance
                ?? descriptor.ImplementationFactory?.Invoke(this)
                ?? ActivatorUtilities.CreateInstance(this, descriptor.ImplementationType!);
            _singletons[descriptor] = instance;
        }

        return instance;
    }
}
