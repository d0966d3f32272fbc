"""allauth's MFA authenticators under translated names in the admin (a proxy), and a label (issue 19)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_fair_access'),
        ('mfa', '0003_authenticator_type_uniq'),
    ]

    operations = [
        migrations.CreateModel(
            name='TwoFactorMethod',
            fields=[
            ],
            options={
                'verbose_name': 'two-factor authentication method',
                'verbose_name_plural': 'two-factor authentication methods',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('mfa.authenticator',),
        ),
        migrations.AlterField(
            model_name='companyinvitation',
            name='token',
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name='link secret'),
        ),
    ]
