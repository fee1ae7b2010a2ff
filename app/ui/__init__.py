"""The Reflex user interface: pages, components and state classes (thin over the services)."""
