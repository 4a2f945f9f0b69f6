"""What the Streamlit pages share: start-up and rendering of answers."""
