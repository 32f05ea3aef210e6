using System.Net;
using Shisa.Modules.Correspondent;
using static Shisa.Modules.Tests.Correspondent.Vectors;

namespace Shisa.Modules.Tests.Correspondent;

public class NodeSecretsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void The_vector_Kcn_and_nonce_give_the_vector_tokens()
    {
        var secrets = new NodeSecrets(new CorrespondentOptions(), T0);
        secrets.Install(HomeNonceIndex, Bytes(HomeNonce), Bytes(Kcn), T0);

        Assert.That(secrets.CurrentHomeKeygenToken(Home, out ushort index), Is.EqualTo(0xff57aa39358e3dadUL));
        Assert.That(index, Is.EqualTo(HomeNonceIndex));
        secrets.Install(CareOfNonceIndex, Bytes(CareOfNonce), Bytes(Kcn), T0);
        Assert.That(secrets.CurrentCareOfKeygenToken(CareOf, out index), Is.EqualTo(0x3578f0f9abee4b88UL));
        Assert.That(index, Is.EqualTo(CareOfNonceIndex));
        Assert.That(secrets.TryHomeKeygenToken(HomeNonceIndex, Home, T0, out ulong home), Is.True);
        Assert.That(home, Is.EqualTo(0xff57aa39358e3dadUL));
    }

    [Test]
    public void A_new_nonce_becomes_current_every_30_seconds_with_the_next_index()
    {
        var secrets = new NodeSecrets(new CorrespondentOptions(), T0, firstIndex: 65535);

        Assert.That(secrets.NextRegeneration, Is.EqualTo(T0 + TimeSpan.FromSeconds(30)));
        Assert.That(secrets.OnTimer(T0 + TimeSpan.FromSeconds(29)), Is.False);
        Assert.That(secrets.OnTimer(T0 + TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(secrets.CurrentIndex, Is.EqualTo(0), "indices wrap");
        Assert.That(secrets.NextRegeneration, Is.EqualTo(T0 + TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void A_token_handed_out_just_before_a_regeneration_verifies_for_MAX_TOKEN_LIFETIME_and_not_after_MAX_NONCE_LIFETIME()
    {
        var secrets = new NodeSecrets(new CorrespondentOptions(), T0);
        var handedOut = T0 + TimeSpan.FromSeconds(29.9);
        ulong token = secrets.CurrentHomeKeygenToken(Home, out ushort index);
        var deadline = handedOut + CorrespondentConstants.MaxTokenLifetime;
        for (var now = T0; now <= deadline; now += TimeSpan.FromSeconds(1))
        {
            secrets.OnTimer(now);
        }

        Assert.That(secrets.TryHomeKeygenToken(index, Home, deadline, out ulong again), Is.True, "still within MAX_TOKEN_LIFETIME of handing out");
        Assert.That(secrets.ValidNonces(deadline), Is.LessThanOrEqualTo(9), "a bounded window");
        Assert.That(again, Is.EqualTo(token));
        Assert.That(secrets.TryHomeKeygenToken(index, Home, T0 + TimeSpan.FromSeconds(240), out _), Is.False, "MAX_NONCE_LIFETIME after it was made");
    }

    [Test]
    public void Tokens_made_under_an_old_node_key_verify_after_the_key_changes()
    {
        int keys = 0;
        var options = new CorrespondentOptions { NodeKeyLifetime = TimeSpan.FromSeconds(60) };
        var secrets = new NodeSecrets(options, T0, span =>
        {
            if (span.Length == 20)
            {
                keys++;
            }

            System.Security.Cryptography.RandomNumberGenerator.Fill(span);
        });
        ulong token = secrets.CurrentCareOfKeygenToken(CareOf, out ushort index);

        for (int s = 30; s <= 90; s += 30)
        {
            secrets.OnTimer(T0 + TimeSpan.FromSeconds(s));
        }

        Assert.That(keys, Is.EqualTo(2), "a new Kcn after 60 s");
        Assert.That(secrets.TryCareOfKeygenToken(index, CareOf, T0 + TimeSpan.FromSeconds(90), out ulong again), Is.True);
        Assert.That(again, Is.EqualTo(token));
    }

    [Test]
    public void Two_nodes_draw_different_secrets()
    {
        var a = new NodeSecrets(new CorrespondentOptions(), T0, firstIndex: 1);
        var b = new NodeSecrets(new CorrespondentOptions(), T0, firstIndex: 1);

        Assert.That(a.CurrentHomeKeygenToken(Home, out _), Is.Not.EqualTo(b.CurrentHomeKeygenToken(Home, out _)));
    }

    [Test]
    public void An_unknown_index_has_no_token()
    {
        var secrets = new NodeSecrets(new CorrespondentOptions(), T0, firstIndex: 10);

        Assert.That(secrets.TryHomeKeygenToken(11, Home, T0, out _), Is.False);
        Assert.That(secrets.TryHomeKeygenToken(10, Home, T0 - TimeSpan.FromSeconds(1), out _), Is.False, "not before it was made");
    }

    [Test]
    public void Install_checks_its_inputs()
    {
        var secrets = new NodeSecrets(new CorrespondentOptions(), T0);

        Assert.That(() => secrets.Install(1, [], Bytes(Kcn), T0), Throws.ArgumentException);
        Assert.That(() => secrets.Install(1, Bytes(HomeNonce), new byte[19], T0), Throws.ArgumentException);
        Assert.That(() => secrets.CurrentHomeKeygenToken(IPAddress.Loopback, out _), Throws.ArgumentException);
    }
}
