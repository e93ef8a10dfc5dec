from wizard import create_app

app = create_app()
