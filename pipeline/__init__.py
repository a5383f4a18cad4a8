"""Balance de Participación Ciudadana: raw attendance logs → indicators → annual deck."""

__version__ = "0.1.0"
